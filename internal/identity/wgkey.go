package identity

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"

	"golang.org/x/crypto/curve25519"
)

// WireGuardKeySize is the length of a WireGuard (Curve25519) key.
const WireGuardKeySize = 32

// ErrBadWireGuardKey means a text is not a base64 Curve25519 key.
var ErrBadWireGuardKey = errors.New("not a base64 WireGuard key")

// WireGuardKey is a node's WireGuard private key. Stock WireGuard tools
// read and print it as standard base64, as `wg genkey` does.
type WireGuardKey [WireGuardKeySize]byte

// GenerateWireGuard makes a new random, clamped private key.
func GenerateWireGuard() (WireGuardKey, error) {
	var k WireGuardKey
	if _, err := rand.Read(k[:]); err != nil {
		return k, fmt.Errorf("generate WireGuard key: %w", err)
	}
	// Clamp as RFC 7748 §5 decodes scalars, so that the stored key is the
	// one every implementation uses.
	k[0] &= 248
	k[31] = (k[31] & 127) | 64
	return k, nil
}

// ParseWireGuardKey decodes a base64 key, ignoring surrounding white space.
func ParseWireGuardKey(s []byte) (WireGuardKey, error) {
	var k WireGuardKey
	raw := bytes.TrimSpace(s)
	if len(raw) != base64.StdEncoding.EncodedLen(WireGuardKeySize) {
		return k, ErrBadWireGuardKey
	}
	// Decode needs room for DecodedLen bytes, one more than a key.
	buf := make([]byte, base64.StdEncoding.DecodedLen(len(raw)))
	n, err := base64.StdEncoding.Strict().Decode(buf, raw)
	if err != nil || n != WireGuardKeySize {
		return k, ErrBadWireGuardKey
	}
	copy(k[:], buf)
	return k, nil
}

// String is the key in base64. It is a secret: never log it.
func (k WireGuardKey) String() string { return base64.StdEncoding.EncodeToString(k[:]) }

// Public returns the public key, base64 as `wg pubkey` prints it.
func (k WireGuardKey) Public() (string, error) {
	pub, err := curve25519.X25519(k[:], curve25519.Basepoint)
	if err != nil {
		return "", fmt.Errorf("derive WireGuard public key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(pub), nil
}

// Save writes the key to path, base64 and a newline, with 0600
// permissions, atomically.
func (k WireGuardKey) Save(path string) error {
	return writePrivateFile(path, []byte(k.String()+"\n"), "WireGuard key")
}

// LoadWireGuard reads a key written by Save or by `wg genkey > file`.
func LoadWireGuard(path string) (WireGuardKey, error) {
	data, err := readPrivateFile(path, "WireGuard key")
	if err != nil {
		return WireGuardKey{}, err
	}
	k, err := ParseWireGuardKey(data)
	if err != nil {
		return WireGuardKey{}, fmt.Errorf("load WireGuard key %s: %w", path, err)
	}
	return k, nil
}

// LoadOrCreateWireGuard reads the key at path, or generates one and saves
// it when the file does not exist.
func LoadOrCreateWireGuard(path string) (k WireGuardKey, created bool, err error) {
	k, err = LoadWireGuard(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, false, err
	}
	if k, err = GenerateWireGuard(); err != nil {
		return k, false, err
	}
	if err := k.Save(path); err != nil {
		return WireGuardKey{}, false, err
	}
	return k, true, nil
}
