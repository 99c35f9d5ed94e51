package status

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/sparelink/sparelink/internal/identity"
)

// tokenBytes is the token's entropy: 256 bits.
const tokenBytes = 32

// LoadOrCreateToken reads the API token from dir, or makes one and
// stores it (mode 0600) on first start; created reports which.
func LoadOrCreateToken(dir string) (token string, created bool, err error) {
	token, err = LoadToken(dir)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return token, false, err
	}
	raw := make([]byte, tokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", false, fmt.Errorf("make status token: %w", err)
	}
	token = hex.EncodeToString(raw)
	if err := identity.WriteSecretFile(filepath.Join(dir, TokenFile), []byte(token+"\n")); err != nil {
		return "", false, fmt.Errorf("store status token: %w", err)
	}
	return token, true, nil
}

// LoadToken reads the API token from dir. Errors wrap fs.ErrNotExist when
// the agent has not made one yet.
func LoadToken(dir string) (string, error) {
	data, err := identity.ReadSecretFile(filepath.Join(dir, TokenFile))
	if err != nil {
		return "", fmt.Errorf("status token: %w", err)
	}
	token := strings.TrimSpace(string(data))
	if len(token) < tokenBytes {
		return "", fmt.Errorf("status token in %s is too short", filepath.Join(dir, TokenFile))
	}
	return token, nil
}
