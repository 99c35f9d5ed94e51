package broker

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/sparelink/sparelink/broker/store"
)

// API keys read sl_<scope>_<id>_<secret>: the scope (buyer, operator or
// admin) so that people and secret scanners can tell keys apart, the key
// ID to find the stored hash, and 32 random bytes. Only the SHA-256 of the
// whole string is stored.
const (
	keyPrefix     = "sl"
	keySecretSize = 32
	maxKeyLen     = 256
)

// principal is the authenticated caller of a request.
type principal struct {
	AccountID string
	Kind      store.AccountKind
	Scope     store.Scope
	KeyID     string
}

// admin reports whether the caller may do everything.
func (p principal) admin() bool { return p.Scope == store.ScopeAdmin }

// owns reports whether the caller may act for accountID.
func (p principal) owns(accountID string) bool {
	return p.admin() || p.AccountID == accountID
}

// newAPIKey makes a key string for scope and returns it with its ID and
// stored hash.
func newAPIKey(scope store.Scope) (key, id string, hash []byte) {
	id = newID(prefixKey)
	key = keyPrefix + "_" + string(scope) + "_" + id + "_" + newSecret(keySecretSize)
	return key, id, hashKey(key)
}

func hashKey(key string) []byte {
	sum := sha256.Sum256([]byte(key))
	return sum[:]
}

// parseKey splits a key string; the secret may itself contain "_".
func parseKey(key string) (scope store.Scope, id string, ok bool) {
	parts := strings.SplitN(key, "_", 4)
	if len(parts) != 4 || parts[0] != keyPrefix || parts[1] == "" || parts[3] == "" {
		return "", "", false
	}
	if !validToken(parts[2], 64) {
		return "", "", false
	}
	return store.Scope(parts[1]), parts[2], true
}

// errBadCredentials is the one answer to every authentication failure, so
// that callers learn nothing about which part was wrong.
var errBadCredentials = unauthorized("missing, invalid, expired or revoked API key")

// authenticate finds the caller of r from its bearer key.
func (b *Broker) authenticate(r *http.Request) (principal, error) {
	scheme, key, found := strings.Cut(r.Header.Get("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || len(key) > maxKeyLen {
		return principal{}, errBadCredentials
	}
	scope, id, ok := parseKey(key)
	if !ok {
		return principal{}, errBadCredentials
	}
	k, err := b.st.Key(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return principal{}, errBadCredentials
	}
	if err != nil {
		return principal{}, err
	}
	if subtle.ConstantTimeCompare(hashKey(key), k.Hash) != 1 || k.Scope != scope {
		return principal{}, errBadCredentials
	}
	now := b.now()
	if !k.RevokedAt.IsZero() || (!k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt)) {
		return principal{}, errBadCredentials
	}
	if len(k.AllowedCIDRs) > 0 && !fromAllowed(r, k.AllowedCIDRs) {
		return principal{}, forbidden("this key may not be used from this client address (allowed_cidrs)")
	}
	acct, err := b.st.Account(r.Context(), k.AccountID)
	if errors.Is(err, store.ErrNotFound) {
		return principal{}, errBadCredentials
	}
	if err != nil {
		return principal{}, fmt.Errorf("account of key %s: %w", k.ID, err)
	}
	return principal{AccountID: acct.ID, Kind: acct.Kind, Scope: k.Scope, KeyID: k.ID}, nil
}

// allow reports whether p may call an endpoint open to scopes. Admin keys
// may call everything.
func allow(p principal, scopes []store.Scope) error {
	if p.admin() {
		return nil
	}
	for _, s := range scopes {
		if p.Scope == s {
			return nil
		}
	}
	return forbidden("a %s key may not call this endpoint", p.Scope)
}
