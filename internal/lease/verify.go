package lease

import (
	"crypto/ed25519"
	"fmt"
	"maps"
	"sync"
	"time"
)

// Verifier checks tokens offline against the broker's public keys. It is
// safe for concurrent use.
type Verifier struct {
	now func() time.Time

	mu      sync.RWMutex
	keys    map[string]ed25519.PublicKey
	revoked map[string]time.Time // lease ID → forget after
}

// NewVerifier returns a verifier trusting keys (key ID → public key). now
// is the clock; nil means time.Now.
func NewVerifier(keys map[string]ed25519.PublicKey, now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	v := &Verifier{now: now, revoked: make(map[string]time.Time)}
	v.SetKeys(keys)
	return v
}

// SetKeys replaces the trusted keys, for key rotation. Tokens signed by a
// key no longer listed fail with ErrUnknownKey.
func (v *Verifier) SetKeys(keys map[string]ed25519.PublicKey) {
	clean := make(map[string]ed25519.PublicKey, len(keys))
	for id, k := range keys {
		if len(k) == ed25519.PublicKeySize {
			clean[id] = k
		}
	}
	v.mu.Lock()
	v.keys = clean
	v.mu.Unlock()
}

// Revoke makes tokens of leaseID fail with ErrRevoked until until; after
// that the revocation is forgotten, since the lease's tokens have expired
// by then. Revoking again extends, never shortens, the revocation.
func (v *Verifier) Revoke(leaseID string, until time.Time) {
	now := v.now()
	v.mu.Lock()
	defer v.mu.Unlock()
	maps.DeleteFunc(v.revoked, func(_ string, t time.Time) bool { return !now.Before(t) })
	if !now.Before(until) {
		return
	}
	if prev, ok := v.revoked[leaseID]; !ok || until.After(prev) {
		v.revoked[leaseID] = until
	}
}

// Verify checks token for the node nodeID and returns its claims. Errors
// wrap ErrMalformed, ErrUnknownKey, ErrBadSignature, ErrExpired,
// ErrWrongNode or ErrRevoked, checked in that order.
func (v *Verifier) Verify(token, nodeID string) (Claims, error) {
	t, err := parse(token)
	if err != nil {
		return Claims{}, err
	}
	c := t.payload.claims()
	v.mu.RLock()
	key, ok := v.keys[c.KeyID]
	v.mu.RUnlock()
	if !ok {
		return Claims{}, fmt.Errorf("%w: kid %q", ErrUnknownKey, c.KeyID)
	}
	if !ed25519.Verify(key, signedMessage(t.signed), t.sig) {
		return Claims{}, ErrBadSignature
	}
	if err := v.checkValidity(c, nodeID); err != nil {
		return Claims{}, fmt.Errorf("lease %s: %w", c.LeaseID, err)
	}
	return c, nil
}

// checkValidity applies the clock, node and revocation checks to claims
// whose signature is good.
func (v *Verifier) checkValidity(c Claims, nodeID string) error {
	now := v.now()
	if !now.Before(c.ExpiresAt) {
		return fmt.Errorf("%w: expired at %s", ErrExpired, c.ExpiresAt.UTC().Format(time.RFC3339))
	}
	if c.IssuedAt.After(now.Add(ClockSkew)) {
		return fmt.Errorf("%w: issued in the future", ErrExpired)
	}
	if c.NodeID != nodeID {
		return ErrWrongNode
	}
	v.mu.RLock()
	until, revoked := v.revoked[c.LeaseID]
	v.mu.RUnlock()
	if revoked && now.Before(until) {
		return ErrRevoked
	}
	return nil
}
