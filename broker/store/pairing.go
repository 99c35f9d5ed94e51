package store

import (
	"context"
	"time"
)

// PairingCode is a short-lived, one-time code an operator hands to a new
// machine: the machine redeems it for an operator key of its own, so the
// operator's key never has to be typed into a router. Only the code's
// SHA-256 is kept.
type PairingCode struct {
	Hash       []byte
	OperatorID string
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

// PairingStore keeps pairing codes. It is part of Store.
type PairingStore interface {
	// CreatePairingCode stores a new code; the operator must exist.
	CreatePairingCode(ctx context.Context, c PairingCode) error
	// RedeemPairingCode, in one transaction, uses up the code with the
	// given hash, unexpired and unused at now, and stores k as a key of
	// the code's operator (k.AccountID is set from the code). An unknown,
	// expired or used code is ErrNotFound.
	RedeemPairingCode(ctx context.Context, hash []byte, now time.Time, k APIKey) (APIKey, error)
}
