package broker

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"sort"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
)

// maxCreditMicros bounds one credit (a billion units), far above any real
// top-up, so that sums cannot overflow.
const maxCreditMicros = 1_000_000_000_000_000

// EnsureAdmin bootstraps the market: when the store has no bootstrap admin
// account with a usable key, it creates the account (named name) and an
// admin key, and returns the key, which is shown only this once. Later
// calls return created=false and no key.
func (b *Broker) EnsureAdmin(ctx context.Context, name string) (key string, created bool, err error) {
	created, err = b.EnsureAdminSaved(ctx, name, func(k string) error { key = k; return nil })
	return key, created, err
}

// EnsureAdminSaved is EnsureAdmin for a key that must be kept somewhere
// (brokerd's admin.key): save runs with the new key before the store
// learns of it, so a crash between the two leaves a saved key the store
// does not know, and the next start makes and saves another, rather than
// a stored key nobody holds.
func (b *Broker) EnsureAdminSaved(ctx context.Context, name string, save func(key string) error) (created bool, err error) {
	if !validText(name, maxNameLen) {
		return false, fmt.Errorf("ensure admin: name must be 1 to %d bytes of text", maxNameLen)
	}
	now := b.now()
	err = b.st.CreateAccount(ctx, store.Account{ID: bootstrapAdminID, Kind: store.KindAdmin, Name: name, CreatedAt: now})
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return false, fmt.Errorf("ensure admin: %w", err)
	}
	keys, err := b.st.Keys(ctx, bootstrapAdminID)
	if err != nil {
		return false, fmt.Errorf("ensure admin: %w", err)
	}
	for _, k := range keys {
		if k.RevokedAt.IsZero() && (k.ExpiresAt.IsZero() || now.Before(k.ExpiresAt)) {
			return false, nil
		}
	}
	key, id, hash := newAPIKey(store.ScopeAdmin)
	if err := save(key); err != nil {
		return false, fmt.Errorf("ensure admin: %w", err)
	}
	k := store.APIKey{ID: id, AccountID: bootstrapAdminID, Scope: store.ScopeAdmin, Hash: hash, CreatedAt: now}
	if err := b.st.CreateKey(ctx, k); err != nil {
		return false, fmt.Errorf("ensure admin: %w", err)
	}
	return true, nil
}

func (b *Broker) credit(w http.ResponseWriter, r *http.Request, _ principal) error {
	idem := r.Header.Get(api.HeaderIdempotencyKey)
	if !validToken(idem, maxIdemKeyLen) {
		return badRequest("credits need an %s header of 1 to %d printable characters", api.HeaderIdempotencyKey, maxIdemKeyLen)
	}
	var req api.CreditRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if req.AmountMicros <= 0 || req.AmountMicros > maxCreditMicros {
		return badRequest("amount_micros must be from 1 to %d", int64(maxCreditMicros))
	}
	acct, err := b.st.Account(r.Context(), req.AccountID)
	if err != nil {
		return storeProblem(err, "account")
	}
	if acct.Kind != store.KindBuyer {
		return badRequest("only buyer accounts can be credited")
	}
	txn, err := b.st.Credit(r.Context(), idem, acct.ID, req.AmountMicros)
	if err != nil {
		return storeProblem(err, "credit")
	}
	writeJSON(w, http.StatusCreated, api.Credit{TxnID: txn, AccountID: acct.ID, AmountMicros: req.AmountMicros})
	return nil
}

func (b *Broker) checkLedger(w http.ResponseWriter, r *http.Request, _ principal) error {
	c, err := b.st.CheckLedger(r.Context())
	if err != nil {
		return storeProblem(err, "ledger check")
	}
	writeJSON(w, http.StatusOK, api.LedgerCheck{
		SumMicros:        c.SumMicros,
		UnbalancedTxns:   c.UnbalancedTxns,
		BookMismatches:   c.BookMismatches,
		NegativeBalances: c.NegativeBalances,
		Balanced:         c.Balanced(),
	})
	return nil
}

func (b *Broker) brokerKeys(w http.ResponseWriter, _ *http.Request) error {
	var out api.BrokerKeys
	for kid, pub := range b.PublicKeys() {
		out.Keys = append(out.Keys, api.BrokerKey{KID: kid, PublicKey: base64.StdEncoding.EncodeToString(pub)})
	}
	sort.Slice(out.Keys, func(i, j int) bool { return out.Keys[i].KID < out.Keys[j].KID })
	writeJSON(w, http.StatusOK, out)
	return nil
}
