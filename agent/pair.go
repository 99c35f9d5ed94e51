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

// Pair stores an operator key in dataDir, so that the agent starts
// without a key on its command line. The argument is either a pairing
// code (XXXX-XXXX-XXXX, made with POST /v1/pairing-codes or on the
// operator's console), which Pair redeems for a new operator key of this
// machine's own, or an operator key itself. The key is checked against
// the broker (GET /v1/balance must accept it) before it is stored. It
// returns the account's balance.
func Pair(ctx context.Context, brokerURL, dataDir, codeOrKey string) (*api.Balance, error) {
	key := strings.TrimSpace(codeOrKey)
	if looksLikePairingCode(key) {
		k, err := client.New(brokerURL, "").RedeemPairingCode(ctx, key)
		if err != nil {
			return nil, fmt.Errorf("pair: the broker at %s did not accept the pairing code: %w", brokerURL, err)
		}
		key = k.Key
	}
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

// looksLikePairingCode reports whether s has a pairing code's shape:
// twelve letters and digits, in groups or not, and no underscore (keys
// have them).
func looksLikePairingCode(s string) bool {
	n := 0
	for _, c := range s {
		switch {
		case c == '-' || c == ' ':
		case c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
			n++
		default:
			return false
		}
	}
	return n == 12
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
