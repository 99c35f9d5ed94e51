package client

import (
	"crypto/rand"
	"encoding/hex"
)

// idemPrefix marks keys the SDK made, so that they can be told from the
// caller's in the broker's records.
const idemPrefix = "sdk-"

// newIdempotencyKey returns a fresh key for one logical call: 128 random
// bits, far from any chance of two calls sharing one.
func newIdempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand documents it)
	return idemPrefix + hex.EncodeToString(b[:])
}
