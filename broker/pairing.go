package broker

import (
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
)

// Pairing codes: 12 symbols of Crockford's base32 alphabet (no I, L, O
// or U, so nothing reads as another symbol), 60 bits: far beyond
// guessing within a code's life, and short enough to type on a router.
const (
	pairingAlphabet   = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	pairingLen        = 12
	defaultPairingTTL = 15 * time.Minute
	minPairingTTL     = time.Minute
	maxPairingTTL     = time.Hour
)

// createPairingCode makes a one-time code for the caller's operator
// account.
func (b *Broker) createPairingCode(w http.ResponseWriter, r *http.Request, p principal) error {
	var req api.CreatePairingCodeRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	ttl := defaultPairingTTL
	if req.ExpiresInSeconds != 0 {
		ttl = time.Duration(req.ExpiresInSeconds) * time.Second
		if ttl < minPairingTTL || ttl > maxPairingTTL {
			return badRequest("expires_in_seconds must be from %d to %d", int(minPairingTTL/time.Second), int(maxPairingTTL/time.Second))
		}
	}
	code := newPairingCode()
	now := b.now()
	c := store.PairingCode{Hash: pairingHash(code), OperatorID: p.AccountID, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := b.st.CreatePairingCode(r.Context(), c); err != nil {
		return storeProblem(err, "pairing code")
	}
	writeJSON(w, http.StatusCreated, api.PairingCode{Code: code, ExpiresAt: c.ExpiresAt})
	return nil
}

// redeemPairingCode trades a code for a new operator key. It needs no
// API key: the code is the credential.
func (b *Broker) redeemPairingCode(w http.ResponseWriter, r *http.Request) error {
	var req api.RedeemPairingCodeRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	code, ok := normalizePairingCode(req.Code)
	if !ok {
		return badRequest("code must be %d letters and digits, as XXXX-XXXX-XXXX", pairingLen)
	}
	key, id, hash := newAPIKey(store.ScopeOperator)
	k, err := b.st.RedeemPairingCode(r.Context(), pairingHash(code), b.now(),
		store.APIKey{ID: id, Scope: store.ScopeOperator, Hash: hash, CreatedAt: b.now()})
	if errors.Is(err, store.ErrNotFound) {
		return notFound("pairing code unknown, expired or already used")
	}
	if err != nil {
		return storeProblem(err, "pairing code")
	}
	view := keyView(k)
	view.Key = key
	writeJSON(w, http.StatusCreated, view)
	return nil
}

// newPairingCode returns a random code as XXXX-XXXX-XXXX.
func newPairingCode() string {
	raw := make([]byte, pairingLen)
	_, _ = rand.Read(raw)
	var b strings.Builder
	for i, c := range raw {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(pairingAlphabet[int(c)%len(pairingAlphabet)])
	}
	return b.String()
}

// normalizePairingCode upper-cases s, drops dashes and spaces, and
// checks it is a code; it returns the canonical XXXX-XXXX-XXXX form.
func normalizePairingCode(s string) (string, bool) {
	var sym []byte
	for _, c := range strings.ToUpper(s) {
		switch {
		case c == '-' || c == ' ':
		case c < 128 && strings.IndexByte(pairingAlphabet, byte(c)) >= 0:
			sym = append(sym, byte(c))
		default:
			return "", false
		}
		if len(sym) > pairingLen {
			return "", false
		}
	}
	if len(sym) != pairingLen {
		return "", false
	}
	return string(sym[0:4]) + "-" + string(sym[4:8]) + "-" + string(sym[8:12]), true
}

// pairingHash is what the store keeps of a canonical code.
func pairingHash(code string) []byte {
	sum := sha256.Sum256([]byte("sparelink pairing code\x00" + code))
	return sum[:]
}
