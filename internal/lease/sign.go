package lease

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// ErrBadKey means a Signer's key is missing or not an Ed25519 private key.
var ErrBadKey = errors.New("lease signer key invalid")

// Signer issues tokens with one broker key.
type Signer struct {
	// KeyID names the key in issued tokens, so verifiers can pick the
	// matching public key during rotations.
	KeyID string
	// Key is the Ed25519 private key.
	Key ed25519.PrivateKey
}

// NewSigningKey makes a random signing key whose KeyID is derived from its
// public key (see KeyID).
func NewSigningKey() (Signer, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Signer{}, fmt.Errorf("generate lease signing key: %w", err)
	}
	return Signer{KeyID: KeyID(pub), Key: priv}, nil
}

// KeyID derives a key ID from a public key: the hex form of the first 8
// bytes of its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// Public returns the public key verifiers need.
func (s Signer) Public() ed25519.PublicKey {
	if len(s.Key) != ed25519.PrivateKeySize {
		return nil
	}
	return s.Key.Public().(ed25519.PublicKey)
}

// Issue signs c and returns the token. It sets c.KeyID to s.KeyID and
// refuses claims that Verify would reject as malformed (missing lease, node,
// protocols or validity window).
func (s Signer) Issue(c Claims) (string, error) {
	if len(s.Key) != ed25519.PrivateKeySize || s.KeyID == "" {
		return "", ErrBadKey
	}
	c.KeyID = s.KeyID
	data, err := encodePayload(payloadFrom(c))
	if err != nil {
		return "", fmt.Errorf("issue lease %s: %w", c.LeaseID, err)
	}
	signed := Version + "." + b64.EncodeToString(data)
	sig := ed25519.Sign(s.Key, signedMessage(signed))
	tok := signed + "." + b64.EncodeToString(sig)
	if len(tok) > MaxTokenSize {
		return "", fmt.Errorf("issue lease %s: %w: token longer than %d bytes", c.LeaseID, ErrMalformed, MaxTokenSize)
	}
	return tok, nil
}
