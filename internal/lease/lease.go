// Package lease defines the short-lived lease tokens the broker signs and
// exits verify offline.
//
// A token tells an exit that the broker sold access to it: which lease it
// belongs to, which node may serve it, over which protocols, at what rate and
// up to how many bytes, and until when. Exits hold only the broker's public
// keys, so they can check a token without a round trip; the broker pushes
// revocations for the rare lease that ends early.
//
// The package does not know about balances, prices or receipts; it only
// issues and checks tokens.
//
// A token is three dot-separated parts:
//
//	slt1.<base64url(JSON claims)>.<base64url(Ed25519 signature)>
//
// The signature covers a fixed domain-separation prefix followed by the first
// two parts, so a signature made for anything else by the same key can never
// pass for a lease token.
package lease

import (
	"crypto/ed25519"
	"errors"
	"slices"
	"time"
)

// Errors returned by Verify. Callers branch on them with errors.Is.
var (
	// ErrMalformed means the token is not a well-formed lease token.
	ErrMalformed = errors.New("lease token malformed")
	// ErrUnknownKey means the token names a signing key the verifier does
	// not hold (never issued, or rotated out).
	ErrUnknownKey = errors.New("lease token signed by unknown key")
	// ErrBadSignature means the signature does not match the claims.
	ErrBadSignature = errors.New("lease token signature invalid")
	// ErrExpired means the token is outside its validity window: at or past
	// its expiry, or issued further in the future than the clock-skew
	// allowance.
	ErrExpired = errors.New("lease token expired or not yet valid")
	// ErrWrongNode means the token was issued for another node.
	ErrWrongNode = errors.New("lease token is for another node")
	// ErrRevoked means the broker revoked the lease.
	ErrRevoked = errors.New("lease revoked")
)

const (
	// Version is the prefix of every token of this format.
	Version = "slt1"
	// MaxTokenSize bounds the length of a token, in bytes.
	MaxTokenSize = 4 << 10
	// ClockSkew is how far in the future a token's issue time may be, to
	// tolerate clocks that disagree between broker and exit.
	ClockSkew = 30 * time.Second
	// domain separates lease signatures from anything else signed by a
	// broker key.
	domain = "sparelink lease token v1\x00"
)

// Claims are what a token grants.
type Claims struct {
	// LeaseID names the lease; it is what revocations and meters key on.
	LeaseID string
	// NodeID is the node allowed to serve the lease.
	NodeID string
	// Protocols lists the exit protocols the lease may use ("quic", "wg").
	Protocols []string
	// RateBps is the lease's rate in bytes per second; 0 is unlimited.
	RateBps int64
	// ByteCap is the most bytes (both directions) the lease may carry; 0 is
	// unlimited.
	ByteCap int64
	// IssuedAt and ExpiresAt bound the token's validity. Tokens carry them
	// with one-second precision.
	IssuedAt, ExpiresAt time.Time
	// KeyID names the signing key. Issue sets it.
	KeyID string
	// BuyerKey is the Ed25519 public key the buyer countersigns receipts
	// with, when the lease request named one. An exit holds a lease with a
	// buyer key to its exposure window; one without is billed on the
	// exit's count alone.
	BuyerKey ed25519.PublicKey
}

// AllowsProtocol reports whether the claims list protocol p.
func (c Claims) AllowsProtocol(p string) bool {
	return slices.Contains(c.Protocols, p)
}

// payload is the JSON form of Claims inside a token. Every field but bk is
// always present, and bk is present exactly when the lease has a buyer
// key: a token has exactly one encoding of its claims, and tokens issued
// before buyer keys existed keep theirs.
type payload struct {
	KeyID     string   `json:"kid"`
	LeaseID   string   `json:"lid"`
	NodeID    string   `json:"nid"`
	Protocols []string `json:"proto"`
	RateBps   int64    `json:"rate"`
	ByteCap   int64    `json:"cap"`
	IssuedAt  int64    `json:"iat"`
	ExpiresAt int64    `json:"exp"`
	// BuyerKey is the buyer's key in unpadded base64url, or empty.
	BuyerKey string `json:"bk,omitempty"`
}

func payloadFrom(c Claims) payload {
	return payload{
		KeyID:     c.KeyID,
		LeaseID:   c.LeaseID,
		NodeID:    c.NodeID,
		Protocols: c.Protocols,
		RateBps:   c.RateBps,
		ByteCap:   c.ByteCap,
		IssuedAt:  c.IssuedAt.Unix(),
		ExpiresAt: c.ExpiresAt.Unix(),
		BuyerKey:  encodeBuyerKey(c.BuyerKey),
	}
}

func encodeBuyerKey(k ed25519.PublicKey) string {
	if k == nil {
		return ""
	}
	return b64.EncodeToString(k)
}

func (p payload) claims() Claims {
	return Claims{
		LeaseID:   p.LeaseID,
		NodeID:    p.NodeID,
		Protocols: p.Protocols,
		RateBps:   p.RateBps,
		ByteCap:   p.ByteCap,
		IssuedAt:  time.Unix(p.IssuedAt, 0),
		ExpiresAt: time.Unix(p.ExpiresAt, 0),
		KeyID:     p.KeyID,
		BuyerKey:  p.buyerKey(),
	}
}

// buyerKey decodes bk; validate has checked it.
func (p payload) buyerKey() ed25519.PublicKey {
	if p.BuyerKey == "" {
		return nil
	}
	k, _ := b64.DecodeString(p.BuyerKey)
	return k
}
