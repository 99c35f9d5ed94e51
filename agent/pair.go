package agent

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/identity"
)

// OperatorKeyFile holds the operator key stored by Pair (mode 0600).
const OperatorKeyFile = "operator.key"

// operatorKeyPrefix starts every operator API key: the broker's keys read
// sl_<scope>_<id>_<secret> and check the scope against their record.
const operatorKeyPrefix = "sl_operator_"

// ErrNotOperatorKey means a key is not an operator's API key.
var ErrNotOperatorKey = errors.New("not an operator API key")

// Pair checks key against the broker (GET /v1/balance must accept it, and
// it must be an operator's key) and stores it in dataDir, so that the
// agent starts without a key on its command line. It returns the
// account's balance.
func Pair(ctx context.Context, brokerURL, dataDir, key string) (*api.Balance, error) {
	key = strings.TrimSpace(key)
	if !strings.HasPrefix(key, operatorKeyPrefix) {
		return nil, fmt.Errorf("pair: %w: operator keys start with %q (buyer and admin keys cannot run exits)", ErrNotOperatorKey, operatorKeyPrefix)
	}
	bal, err := client.New(brokerURL, key).Balance(ctx)
	if err != nil {
		return nil, fmt.Errorf("pair: the broker at %s did not accept the key: %w", brokerURL, err)
	}
	if err := identity.WriteSecretFile(filepath.Join(dataDir, OperatorKeyFile), []byte(key+"\n")); err != nil {
		return nil, fmt.Errorf("pair: %w", err)
	}
	return bal, nil
}

// LoadOperatorKey reads the key Pair stored in dataDir. Errors wrap
// fs.ErrNotExist when the machine is not paired.
func LoadOperatorKey(dataDir string) (string, error) {
	data, err := identity.ReadSecretFile(filepath.Join(dataDir, OperatorKeyFile))
	if err != nil {
		return "", err
	}
	key := strings.TrimSpace(string(data))
	if !strings.HasPrefix(key, operatorKeyPrefix) {
		return "", fmt.Errorf("%s: %w", filepath.Join(dataDir, OperatorKeyFile), ErrNotOperatorKey)
	}
	return key, nil
}
