package broker

import (
	"net/http"

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

// ledger lists the entries of the caller's books (admins: any account's),
// a page at a time in entry order.
func (b *Broker) ledger(w http.ResponseWriter, r *http.Request, p principal) error {
	id, err := targetAccount(r, p)
	if err != nil {
		return err
	}
	pg, err := readPage(r.URL.Query())
	if err != nil {
		return err
	}
	after, err := pg.afterInt()
	if err != nil {
		return err
	}
	entries, err := b.st.Ledger(r.Context(), id, after, pg.fetch())
	if err != nil {
		return storeProblem(err, "ledger")
	}
	entries, more := trim(entries, pg)
	out := api.LedgerList{Entries: make([]api.LedgerEntry, 0, len(entries)), HasMore: more}
	for _, e := range entries {
		out.Entries = append(out.Entries, api.LedgerEntry{
			ID: e.ID, TxnID: e.TxnID, Book: e.Book, AmountMicros: e.AmountMicros,
			Kind: e.Kind, LeaseID: e.LeaseID, CreatedAt: e.CreatedAt,
		})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (b *Broker) health(w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, http.StatusOK, api.Health{Status: "ok"})
	return nil
}
