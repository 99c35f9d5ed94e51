package api

import "time"

// PairingCode is the answer to POST /v1/pairing-codes: a one-time code
// for a new machine of the operator, valid until ExpiresAt. The machine
// runs "sparelink-agent pair CODE", which redeems it for an operator key
// of its own (POST /v1/pairing-codes/redeem). Only a hash of the code is
// kept.
type PairingCode struct {
	Code      string    `json:"code"` // XXXX-XXXX-XXXX
	ExpiresAt time.Time `json:"expires_at"`
}

// CreatePairingCodeRequest is the optional body of POST
// /v1/pairing-codes: how long the code lives, 60 to 3600 seconds
// (default 900).
type CreatePairingCodeRequest struct {
	ExpiresInSeconds int64 `json:"expires_in_seconds,omitempty"`
}

// RedeemPairingCodeRequest is the body of POST
// /v1/pairing-codes/redeem, which needs no API key. Letters are read
// case-insensitively; dashes and spaces are ignored.
type RedeemPairingCodeRequest struct {
	Code string `json:"code"`
}
