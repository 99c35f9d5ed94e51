package forward

import (
	"crypto/ed25519"
	"time"
)

// Test hooks: build the packets the node and buyer ends send.
func AppendRegister(dst []byte, key ed25519.PrivateKey, now time.Time) []byte {
	return appendRegister(dst, key, now)
}

func AppendToNode(dst []byte, nodeID string, payload []byte) []byte {
	return appendToNode(dst, nodeID, payload)
}
