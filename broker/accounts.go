package broker

import (
	"net/http"
	"strconv"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
)

// maxNameLen bounds account names.
const maxNameLen = 128

func (b *Broker) createAccount(w http.ResponseWriter, r *http.Request, _ principal) error {
	var req api.CreateAccountRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	kind := store.AccountKind(req.Kind)
	if kind != store.KindBuyer && kind != store.KindOperator {
		return badRequest("kind must be %q or %q", api.KindBuyer, api.KindOperator)
	}
	if !validText(req.Name, maxNameLen) {
		return badRequest("name must be 1 to %d bytes of text", maxNameLen)
	}
	a := store.Account{ID: newID(prefixAccount), Kind: kind, Name: req.Name, CreatedAt: b.now()}
	if err := b.st.CreateAccount(r.Context(), a); err != nil {
		return storeProblem(err, "account")
	}
	writeJSON(w, http.StatusCreated, accountView(a))
	return nil
}

func accountView(a store.Account) api.Account {
	return api.Account{ID: a.ID, Kind: string(a.Kind), Name: a.Name, CreatedAt: a.CreatedAt}
}

// targetAccount is the account a read is about: the caller's own, or for
// admins the one named by ?account_id=.
func targetAccount(r *http.Request, p principal) (string, error) {
	id := r.URL.Query().Get("account_id")
	if id == "" || id == p.AccountID {
		return p.AccountID, nil
	}
	if !p.admin() {
		return "", forbidden("only admin keys may read another account")
	}
	if !validToken(id, 64) {
		return "", badRequest("malformed account_id")
	}
	return id, nil
}

func (b *Broker) balance(w http.ResponseWriter, r *http.Request, p principal) error {
	id, err := targetAccount(r, p)
	if err != nil {
		return err
	}
	if _, err := b.st.Account(r.Context(), id); err != nil {
		return storeProblem(err, "account")
	}
	bal, err := b.st.Balance(r.Context(), id)
	if err != nil {
		return storeProblem(err, "balance")
	}
	writeJSON(w, http.StatusOK, api.Balance{
		AccountID:       id,
		AvailableMicros: bal.AvailableMicros,
		HeldMicros:      bal.HeldMicros,
		EarnedMicros:    bal.EarnedMicros,
	})
	return nil
}

func (b *Broker) ledger(w http.ResponseWriter, r *http.Request, p principal) error {
	id, err := targetAccount(r, p)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, err := pageLimit(q)
	if err != nil {
		return err
	}
	var after int64
	if c := q.Get("cursor"); c != "" {
		if after, err = strconv.ParseInt(c, 10, 64); err != nil || after < 0 {
			return badRequest("malformed cursor")
		}
	}
	entries, err := b.st.Ledger(r.Context(), id, after, limit)
	if err != nil {
		return storeProblem(err, "ledger")
	}
	page := api.LedgerPage{Entries: make([]api.LedgerEntry, 0, len(entries))}
	for _, e := range entries {
		page.Entries = append(page.Entries, api.LedgerEntry{
			ID: e.ID, TxnID: e.TxnID, Book: e.Book, AmountMicros: e.AmountMicros,
			Kind: e.Kind, LeaseID: e.LeaseID, CreatedAt: e.CreatedAt,
		})
	}
	if len(entries) > 0 {
		page.NextCursor = nextCursor(len(entries), limit, strconv.FormatInt(entries[len(entries)-1].ID, 10))
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (b *Broker) health(w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, http.StatusOK, api.Health{Status: "ok"})
	return nil
}
