// Package release builds and checks SpareLink releases: the matrix of
// cross-compiled binaries, the SHA256SUMS file that lists them, and its
// signature in minisign's format, so that anyone can check a download
// offline with the stock minisign tool or with 'sparelink verify-release'.
//
// It implements minisign's documented key and signature formats with
// Ed25519 and BLAKE2b from the standard and x/crypto libraries; it is not
// a general signing tool and knows nothing of packages (see installer/).
package release

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Errors callers branch on.
var (
	// ErrMalformed means a key, signature or sums file is not in the
	// expected format.
	ErrMalformed = errors.New("malformed")
	// ErrWrongKey means a signature was made by another key than the one
	// it is checked with.
	ErrWrongKey = errors.New("signed by another key")
	// ErrBadSignature means a signature does not match the signed data.
	ErrBadSignature = errors.New("signature does not match")
	// ErrNeedPassword means a secret key file is encrypted and no
	// password was given.
	ErrNeedPassword = errors.New("secret key is encrypted: a password is needed")
	// ErrWrongPassword means a secret key's checksum does not match after
	// decryption: the password is wrong or the file is damaged.
	ErrWrongPassword = errors.New("secret key checksum mismatch: wrong password or damaged file")
)

// algEd25519 is minisign's signature algorithm tag in keys; signatures
// use algPrehashed (Ed25519 over the BLAKE2b-512 of the file) or, from
// old signers, algEd25519 (Ed25519 over the file itself).
var (
	algEd25519   = [2]byte{'E', 'd'}
	algPrehashed = [2]byte{'E', 'D'}
)

const (
	untrustedPrefix = "untrusted comment: "
	trustedPrefix   = "trusted comment: "
	publicKeyLen    = 2 + 8 + ed25519.PublicKeySize
)

// KeyID names a key pair: eight random bytes that every signature carries
// so that a verifier can tell which key made it.
type KeyID [8]byte

// String is the ID as minisign prints it: the bytes read as a
// little-endian integer, in upper-case hex.
func (id KeyID) String() string {
	return fmt.Sprintf("%016X", binary.LittleEndian.Uint64(id[:]))
}

// PublicKey is a minisign public key.
type PublicKey struct {
	ID  KeyID
	Key ed25519.PublicKey
}

// ParsePublicKey reads a public key from the contents of a minisign
// public key file, or from its base64 line alone (as 'minisign -P' takes
// it).
func ParsePublicKey(text string) (PublicKey, error) {
	line := strings.TrimSpace(text)
	if rest, ok := strings.CutPrefix(line, untrustedPrefix); ok {
		_, after, found := strings.Cut(rest, "\n")
		if !found {
			return PublicKey{}, fmt.Errorf("public key: %w: a comment line and no key", ErrMalformed)
		}
		line = strings.TrimSpace(after)
	}
	raw, err := base64.StdEncoding.DecodeString(line)
	if err != nil || len(raw) != publicKeyLen {
		return PublicKey{}, fmt.Errorf("public key: %w: want the base64 of %d bytes", ErrMalformed, publicKeyLen)
	}
	if [2]byte(raw[:2]) != algEd25519 {
		return PublicKey{}, fmt.Errorf("public key: %w: algorithm %q, want %q", ErrMalformed, raw[:2], algEd25519[:])
	}
	pk := PublicKey{ID: KeyID(raw[2:10]), Key: ed25519.PublicKey(raw[10:])}
	return pk, nil
}

// String is the key's base64 line.
func (k PublicKey) String() string {
	raw := make([]byte, 0, publicKeyLen)
	raw = append(raw, algEd25519[:]...)
	raw = append(raw, k.ID[:]...)
	raw = append(raw, k.Key...)
	return base64.StdEncoding.EncodeToString(raw)
}

// File is the key as a minisign public key file.
func (k PublicKey) File() []byte {
	return []byte(untrustedPrefix + "minisign public key " + k.ID.String() + "\n" + k.String() + "\n")
}

// SecretKey is a minisign secret key.
type SecretKey struct {
	ID  KeyID
	Key ed25519.PrivateKey
}

// GenerateKey makes a new key pair from the random source r (crypto/rand's
// Reader outside tests).
func GenerateKey(r io.Reader) (SecretKey, error) {
	var id KeyID
	if _, err := io.ReadFull(r, id[:]); err != nil {
		return SecretKey{}, fmt.Errorf("generate key: %w", err)
	}
	_, sk, err := ed25519.GenerateKey(r)
	if err != nil {
		return SecretKey{}, fmt.Errorf("generate key: %w", err)
	}
	return SecretKey{ID: id, Key: sk}, nil
}

// Public returns the public half of k.
func (k SecretKey) Public() PublicKey {
	return PublicKey{ID: k.ID, Key: k.Key.Public().(ed25519.PublicKey)}
}
