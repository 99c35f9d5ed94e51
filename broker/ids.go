package broker

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
)

// ID prefixes say what an ID names at a glance.
const (
	prefixAccount = "ac_"
	prefixLease   = "ls_"
	prefixKey     = "k"
	prefixRequest = "req_"
)

// newID returns prefix followed by 80 random bits in hex.
func newID(prefix string) string {
	var b [10]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return prefix + hex.EncodeToString(b[:])
}

// newSecret returns n random bytes as unpadded base64url.
func newSecret(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
