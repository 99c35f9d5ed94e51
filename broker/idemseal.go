package broker

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
)

// Stored idempotent answers are sealed (AES-256-GCM) under a key derived
// from Config.ChallengeSecret, because some answers carry secrets that
// must never rest in the database in the clear: a new API key's secret,
// exit tokens. Replicas sharing a store share the secret, so any of them
// can replay any answer.

// sealedV1 starts a sealed body; plain JSON bodies stored before sealing
// never start with it.
const sealedV1 = 0x01

// errUnsealable means a stored answer was sealed under another secret.
var errUnsealable = errors.New("stored answer sealed under another secret")

// replayAEAD derives the sealing cipher from the challenge secret.
func replayAEAD(secret []byte) (cipher.AEAD, error) {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("sparelink idempotent answers v1"))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// seal encrypts a stored answer's body; the account and key are bound as
// associated data, so a sealed body cannot be moved to another record.
func seal(aead cipher.AEAD, body []byte, account, key string) []byte {
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(body)+aead.Overhead())
	out[0] = sealedV1
	_, _ = rand.Read(out[1:])
	// #nosec G407 -- the nonce is the 12 random bytes just read, not a constant.
	return aead.Seal(out, out[1:], body, []byte(account+"\x00"+key))
}

// unseal reverses seal; a body that was never sealed is returned as is.
func unseal(aead cipher.AEAD, stored []byte, account, key string) ([]byte, error) {
	if len(stored) == 0 || stored[0] != sealedV1 {
		return stored, nil
	}
	n := aead.NonceSize()
	if len(stored) < 1+n {
		return nil, errUnsealable
	}
	body, err := aead.Open(nil, stored[1:1+n], stored[1+n:], []byte(account+"\x00"+key))
	if err != nil {
		return nil, errUnsealable
	}
	return body, nil
}
