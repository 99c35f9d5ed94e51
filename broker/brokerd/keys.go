package brokerd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/lease"
)

// loadSigner keeps the token signing key across restarts, so tokens issued
// before a restart stay valid until they expire.
func loadSigner(path string) (lease.Signer, error) {
	k, _, err := identity.LoadOrCreate(path)
	if err != nil {
		return lease.Signer{}, fmt.Errorf("token signing key: %w", err)
	}
	return lease.Signer{KeyID: lease.KeyID(k.Public()), Key: k.Private}, nil
}

// bootstrapAdmin creates the first admin key on an empty store and writes
// it, once, to path with 0600 permissions.
func bootstrapAdmin(ctx context.Context, b *broker.Broker, path string, log *zap.Logger) error {
	created, err := b.EnsureAdminSaved(ctx, "admin", func(key string) error {
		// Written whole (a temporary file renamed into place) before the
		// store learns of the key.
		return identity.WriteSecretFile(path, []byte(key+"\n"))
	})
	if err != nil {
		return fmt.Errorf("bootstrap admin: %w", err)
	}
	if created {
		log.Info("created the first admin key", zap.String("file", path))
	}
	return nil
}

// challengeSecretSize is the length of the registration challenge secret.
const challengeSecretSize = 32

// loadSecret keeps the registration challenge secret across restarts (and,
// copied, across replicas), so a challenge fetched from one broker can be
// answered to any. The file holds the secret in hex, mode 0600.
func loadSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createSecret(path)
	}
	if err != nil {
		return nil, fmt.Errorf("challenge secret: %w", err)
	}
	secret, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(secret) < challengeSecretSize {
		return nil, fmt.Errorf("challenge secret %s: want at least %d bytes in hex", path, challengeSecretSize)
	}
	return secret, nil
}

// createSecret writes a new random secret to path, failing if another
// process created the file first.
func createSecret(path string) ([]byte, error) {
	secret := make([]byte, challengeSecretSize)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("challenge secret: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("challenge secret: %w", err)
	}
	_, err = f.WriteString(hex.EncodeToString(secret) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("challenge secret: %w", err)
	}
	return secret, nil
}
