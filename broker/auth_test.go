package broker_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker"
	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"go.uber.org/zap/zaptest"
)

func TestEnsureAdminOnce(t *testing.T) {
	m := newMarket(t)
	key, created, err := m.broker.EnsureAdmin(m.ctx, "root")
	if err != nil || created || key != "" {
		t.Fatalf("second EnsureAdmin = %q, %v, %v; want no key, created false", key, created, err)
	}
	if err := m.admin.Health(m.ctx); err != nil {
		t.Fatalf("health: %v", err)
	}
	bal, err := m.admin.Balance(m.ctx)
	if err != nil {
		t.Fatalf("admin balance with the bootstrap key: %v", err)
	}
	if bal.AccountID == "" {
		t.Errorf("got empty account ID for the admin")
	}
}

func TestKeysStoreOnlyHashes(t *testing.T) {
	m := newMarket(t)
	a, key, _ := m.account(api.KindBuyer, "hashes")
	if !strings.HasPrefix(key, "sl_buyer_k") {
		t.Errorf("got key %q, want prefix sl_buyer_k", key[:12])
	}
	keys, err := m.admin.CreateKey(m.ctx, api.CreateKeyRequest{AccountID: a.ID, ExpiresInSeconds: 60})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{key, keys.Key} {
		id := strings.SplitN(k, "_", 4)[2]
		stored, err := m.store.Key(m.ctx, id)
		if err != nil {
			t.Fatalf("store.Key(%s): %v", id, err)
		}
		sum := sha256.Sum256([]byte(k))
		if !bytes.Equal(stored.Hash, sum[:]) {
			t.Errorf("key %s: got stored hash %x, want SHA-256 of the key", id, stored.Hash)
		}
		secret := strings.SplitN(k, "_", 4)[3]
		if f := filesContaining(t, m.dir, secret); f != "" {
			t.Errorf("key %s: secret found in %s", id, f)
		}
	}
}

// filesContaining returns a file under dir containing s, or "".
func filesContaining(t *testing.T, dir, s string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(s)) {
			return e.Name()
		}
	}
	return ""
}

func TestRevokedAndExpiredKeys(t *testing.T) {
	m := newMarket(t)
	a, key, c := m.account(api.KindBuyer, "keys")
	short, err := c.CreateKey(m.ctx, api.CreateKeyRequest{ExpiresInSeconds: 60})
	if err != nil {
		t.Fatalf("buyer creates own key: %v", err)
	}
	if short.AccountID != a.ID || short.Scope != api.KindBuyer || short.ExpiresAt.IsZero() {
		t.Errorf("got key %+v, want a buyer key of %s with an expiry", short, a.ID)
	}
	shortC := m.client(short.Key)
	if _, err := shortC.Balance(m.ctx); err != nil {
		t.Fatalf("fresh key: %v", err)
	}
	m.clock.Advance(61 * time.Second)
	_, err = shortC.Balance(m.ctx)
	wantProblem(t, err, http.StatusUnauthorized, api.CodeUnauthorized)

	id := strings.SplitN(key, "_", 4)[2]
	if err := c.RevokeKey(m.ctx, id); err != nil {
		t.Fatalf("revoke own key: %v", err)
	}
	_, err = c.Balance(m.ctx)
	wantProblem(t, err, http.StatusUnauthorized, api.CodeUnauthorized)
	keys, err := m.admin.Keys(m.ctx, a.ID, client.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys.Keys) != 2 || keys.HasMore {
		t.Errorf("got %d keys of %s (more: %v), want its 2", len(keys.Keys), a.ID, keys.HasMore)
	}
	for _, k := range keys.Keys {
		if k.Key != "" {
			t.Errorf("listing shows the secret of key %s", k.ID)
		}
	}
}

func TestBadCredentials(t *testing.T) {
	m := newMarket(t)
	_, key, _ := m.account(api.KindBuyer, "creds")
	parts := strings.SplitN(key, "_", 4)
	tests := []struct {
		name string
		key  string
	}{
		{"none", ""},
		{"garbage", "hello"},
		{"wrong secret", strings.Join(parts[:3], "_") + "_" + strings.Repeat("A", 43)},
		{"wrong scope", "sl_admin_" + parts[2] + "_" + parts[3]},
		{"unknown id", "sl_buyer_k0000000000000000_" + parts[3]},
		{"truncated", key[:len(key)-1]},
		{"huge", key + strings.Repeat("x", 1000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.client(tt.key).Balance(m.ctx)
			wantProblem(t, err, http.StatusUnauthorized, api.CodeUnauthorized)
		})
	}
}

func TestScopes(t *testing.T) {
	m := newMarket(t)
	buyerAcct, buyer := m.buyer("scopes buyer", 0)
	opAcct, _, op := m.account(api.KindOperator, "scopes operator")
	lease := api.LeaseRequest{MaxBytes: 1e9}
	tests := []struct {
		name string
		call func() error
	}{
		{"buyer creates account", func() error {
			_, err := buyer.CreateAccount(m.ctx, api.CreateAccountRequest{Kind: api.KindBuyer, Name: "x"})
			return err
		}},
		{"buyer credits itself", func() error { _, err := buyer.Credit(m.ctx, "k", buyerAcct.ID, 1); return err }},
		{"buyer checks ledger", func() error { _, err := buyer.CheckLedger(m.ctx); return err }},
		{"buyer fetches challenge", func() error { _, err := buyer.NodeChallenge(m.ctx); return err }},
		{"buyer submits receipts", func() error { _, err := buyer.SubmitReceipts(m.ctx, nil); return err }},
		{"buyer reads operator balance", func() error { _, err := buyer.BalanceOf(m.ctx, opAcct.ID); return err }},
		{"buyer keys for operator", func() error {
			_, err := buyer.CreateKey(m.ctx, api.CreateKeyRequest{AccountID: opAcct.ID})
			return err
		}},
		{"operator quotes", func() error { _, err := op.Quote(m.ctx, lease); return err }},
		{"operator leases", func() error { _, err := op.CreateLease(m.ctx, "", lease); return err }},
		{"operator lists leases", func() error { _, err := op.Leases(m.ctx, client.Page{}); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantProblem(t, tt.call(), http.StatusForbidden, api.CodeForbidden)
		})
	}
}

// TestEnsureAdminSavesFirst fails to save the first admin key: the store
// must not keep a key nobody holds, and the next start makes one that
// works.
func TestEnsureAdminSavesFirst(t *testing.T) {
	m := newMarket(t) // its own admin; a second, fresh store below
	dir := t.TempDir()
	st := openStore(t, dir, m.clock.Now, zaptest.NewLogger(t))
	b, err := broker.New(broker.Config{Now: m.clock.Now}, st, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.EnsureAdminSaved(m.ctx, "root", func(string) error { return errors.New("disk full") }); err == nil {
		t.Fatal("EnsureAdminSaved with a failing save: got no error")
	}
	var saved string
	created, err := b.EnsureAdminSaved(m.ctx, "root", func(k string) error { saved = k; return nil })
	if err != nil || !created || saved == "" {
		t.Fatalf("EnsureAdminSaved after the failure = %v, %v (saved %q); want a new saved key", created, err, saved)
	}
	srv := httptest.NewServer(b.Handler())
	t.Cleanup(srv.Close)
	if _, err := client.New(srv.URL, saved, client.WithHTTPClient(m.http)).Balance(m.ctx); err != nil {
		t.Errorf("the saved admin key: %v", err)
	}
}
