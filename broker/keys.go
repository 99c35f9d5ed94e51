package broker

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
)

// maxKeyLifetime bounds expires_in_seconds (ten years).
const maxKeyLifetime = 10 * 365 * 24 * time.Hour

// createKey makes a key for the caller's account, or for admins any
// account. A key's scope is always its account's kind: a scope that
// differs is refused rather than silently widened or narrowed.
func (b *Broker) createKey(w http.ResponseWriter, r *http.Request, p principal) error {
	var req api.CreateKeyRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	target := req.AccountID
	if target == "" {
		target = p.AccountID
	}
	if !p.owns(target) {
		return forbidden("only admin keys may create keys for another account")
	}
	acct, err := b.st.Account(r.Context(), target)
	if err != nil {
		return storeProblem(err, "account")
	}
	scope := store.Scope(acct.Kind)
	if req.Scope != "" && store.Scope(req.Scope) != scope {
		return badRequest("a %s account can only hold %s keys", acct.Kind, scope)
	}
	life := time.Duration(req.ExpiresInSeconds) * time.Second
	if req.ExpiresInSeconds < 0 || life > maxKeyLifetime {
		return badRequest("expires_in_seconds must be from 0 (never) to %d", int64(maxKeyLifetime/time.Second))
	}
	networks, err := parseNetworks(req.AllowedCIDRs)
	if err != nil {
		return err
	}
	if req.SpendLimitMicros < 0 || req.SpendLimitMicros > store.MaxAmountMicros || req.ByteLimit < 0 {
		return badRequest("spend_limit_micros and byte_limit must be from 0 (none) up")
	}
	if (req.SpendLimitMicros > 0 || req.ByteLimit > 0) && scope != store.ScopeBuyer {
		return badRequest("spend and byte limits apply to buyer keys")
	}
	key, id, hash := newAPIKey(scope)
	k := store.APIKey{ID: id, AccountID: acct.ID, Scope: scope, Hash: hash, CreatedAt: b.now(), AllowedCIDRs: networks,
		SpendLimitMicros: req.SpendLimitMicros, ByteLimit: req.ByteLimit}
	if life > 0 {
		k.ExpiresAt = k.CreatedAt.Add(life)
	}
	if err := b.st.CreateKey(r.Context(), k); err != nil {
		return storeProblem(err, "key")
	}
	view := keyView(k)
	view.Key = key
	writeJSON(w, http.StatusCreated, view)
	return nil
}

func keyView(k store.APIKey) api.Key {
	return api.Key{
		ID: k.ID, AccountID: k.AccountID, Scope: string(k.Scope),
		CreatedAt: k.CreatedAt, ExpiresAt: k.ExpiresAt, RevokedAt: k.RevokedAt,
		AllowedCIDRs: k.AllowedCIDRs, SpendLimitMicros: k.SpendLimitMicros, ByteLimit: k.ByteLimit,
	}
}

// listKeys lists the caller's keys (admins: any account's), without
// secrets, a page at a time in ID order.
func (b *Broker) listKeys(w http.ResponseWriter, r *http.Request, p principal) error {
	id, err := targetAccount(r, p)
	if err != nil {
		return err
	}
	pg, err := readPage(r.URL.Query())
	if err != nil {
		return err
	}
	keys, err := b.st.Keys(r.Context(), id)
	if err != nil {
		return storeProblem(err, "keys")
	}
	keys = slices.DeleteFunc(keys, func(k store.APIKey) bool { return k.ID <= pg.after })
	if len(keys) > pg.fetch() {
		keys = keys[:pg.fetch()]
	}
	keys, more := trim(keys, pg)
	out := api.KeyList{Keys: make([]api.Key, 0, len(keys)), HasMore: more}
	for _, k := range keys {
		out.Keys = append(out.Keys, keyView(k))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// revokeKey revokes one of the caller's keys, or for admins any key.
// Another account's key is reported as not found, to leak nothing.
func (b *Broker) revokeKey(w http.ResponseWriter, r *http.Request, p principal) error {
	id := r.PathValue("id")
	k, err := b.st.Key(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !p.owns(k.AccountID)) {
		return notFound("key not found")
	}
	if err != nil {
		return storeProblem(err, "key")
	}
	if err := b.st.RevokeKey(r.Context(), k.AccountID, k.ID, b.now()); err != nil {
		return storeProblem(err, "key")
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
