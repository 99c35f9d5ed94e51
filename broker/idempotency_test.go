package broker_test

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/client"
)

// post sends a raw POST with an Idempotency-Key.
func (m *market) post(path, key, idem, body string) rawResponse {
	m.t.Helper()
	return m.raw(http.MethodPost, path, key, []byte(body), map[string]string{api.HeaderIdempotencyKey: idem})
}

// sameAnswer fails unless b repeats a byte for byte, marked as replayed.
func sameAnswer(t *testing.T, a, b rawResponse) {
	t.Helper()
	if b.status != a.status || !bytes.Equal(b.body, a.body) || b.contentType != a.contentType {
		t.Errorf("got replay %d %s %s, want the first answer %d %s %s", b.status, b.contentType, b.body, a.status, a.contentType, a.body)
	}
	if b.header.Get(api.HeaderIdempotentReplayed) != "true" {
		t.Errorf("replay lacks %s: true", api.HeaderIdempotentReplayed)
	}
	if b.header.Get(api.HeaderRequestID) == a.header.Get(api.HeaderRequestID) {
		t.Errorf("replay reuses request ID %s, want its own", a.header.Get(api.HeaderRequestID))
	}
}

func TestIdempotentReplay(t *testing.T) {
	m := newMarket(t)
	m.supply()
	admin := m.adminKey(t)
	buyerAcct, buyerKey, buyer := m.account(api.KindBuyer, "replayed")
	_, poorKey, poor := m.account(api.KindBuyer, "poor")
	leases := func(c *client.Client) int {
		l, err := c.Leases(m.ctx, client.Page{})
		if err != nil {
			t.Fatal(err)
		}
		return len(l.Leases)
	}
	tests := []struct {
		name       string
		key, path  string
		body       string
		wantStatus int
		before     func() // runs between the first request and the repeat
		effects    func() int
		wantEffect int
	}{
		{"credit", admin, "/v1/admin/credits", fmt.Sprintf(`{"account_id":%q,"amount_micros":5000000000}`, buyerAcct.ID),
			http.StatusCreated, nil, func() int { return int(m.balance(buyer).AvailableMicros) }, 5_000_000_000},
		{"lease", buyerKey, "/v1/leases", `{"max_bytes":1000000000}`, http.StatusCreated, nil, func() int { return leases(buyer) }, 1},
		{"account", admin, "/v1/accounts", `{"kind":"operator","name":"once"}`, http.StatusCreated, nil, nil, 0},
		{"refusal, even after its cause is gone", poorKey, "/v1/leases", `{"max_bytes":1000000000}`, http.StatusPaymentRequired,
			func() { m.fund(poor, 1e9) }, func() int { return leases(poor) }, 0},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idem := fmt.Sprintf("idem-%d", i)
			first := m.post(tt.path, tt.key, idem, tt.body)
			if first.status != tt.wantStatus {
				t.Fatalf("got %d %s, want %d", first.status, first.body, tt.wantStatus)
			}
			if tt.before != nil {
				tt.before()
			}
			sameAnswer(t, first, m.post(tt.path, tt.key, idem, tt.body))
			if tt.effects != nil {
				if got := tt.effects(); got != tt.wantEffect {
					t.Errorf("got effect %d after the repeat, want %d", got, tt.wantEffect)
				}
			}
		})
	}
}

// balance reads c's balance, failing the test on error.
func (m *market) balance(c *client.Client) *api.Balance {
	m.t.Helper()
	b, err := c.Balance(m.ctx)
	if err != nil {
		m.t.Fatal(err)
	}
	return b
}

// fund credits the account of c with micros.
func (m *market) fund(c *client.Client, micros int64) {
	m.t.Helper()
	b := m.balance(c)
	if _, err := m.admin.Credit(m.ctx, fmt.Sprintf("fund-%s-%d", b.AccountID, b.AvailableMicros), b.AccountID, micros); err != nil {
		m.t.Fatal(err)
	}
}

func TestIdempotencyMismatchAndScope(t *testing.T) {
	m := newMarket(t)
	m.supply()
	_, keyA, a := m.account(api.KindBuyer, "A")
	_, keyB, b := m.account(api.KindBuyer, "B")
	m.fund(a, 1e9)
	m.fund(b, 1e9)
	first := m.post("/v1/leases", keyA, "order-7", `{"max_bytes":1000000000}`)
	if first.status != http.StatusCreated {
		t.Fatalf("got %d %s, want 201", first.status, first.body)
	}
	tests := []struct {
		name, key, path, body string
		status                int
		code                  string
	}{
		{"other body", keyA, "/v1/leases", `{"max_bytes":2000000000}`, http.StatusUnprocessableEntity, api.CodeIdempotencyMismatch},
		{"same body respaced", keyA, "/v1/leases", `{"max_bytes": 1000000000}`, http.StatusUnprocessableEntity, api.CodeIdempotencyMismatch},
		{"other endpoint", keyA, "/v1/coverage/quote", `{"max_bytes":1000000000}`, http.StatusUnprocessableEntity, api.CodeIdempotencyMismatch},
		{"same key, other account", keyB, "/v1/leases", `{"max_bytes":1000000000}`, http.StatusCreated, ""},
		{"malformed key", keyA, "/v1/leases", `{"max_bytes":1000000000}`, http.StatusBadRequest, api.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idem := "order-7"
			if tt.code == api.CodeInvalidRequest {
				idem = "two words"
			}
			resp := m.post(tt.path, tt.key, idem, tt.body)
			if resp.status != tt.status {
				t.Fatalf("got %d %s, want %d", resp.status, resp.body, tt.status)
			}
			if tt.code != "" {
				if p := resp.problem(t); p.Code != tt.code {
					t.Errorf("got code %s, want %s", p.Code, tt.code)
				}
			}
		})
	}
	for name, c := range map[string]*client.Client{"A": a, "B": b} {
		if l, err := c.Leases(m.ctx, client.Page{}); err != nil || len(l.Leases) != 1 {
			t.Errorf("buyer %s: got %v leases (%v), want 1", name, l, err)
		}
	}
}

func TestIdempotencyReleasedAfterFailure(t *testing.T) {
	faulty := &faultyStore{}
	m := newMarketWith(t, setup{store: func(s store.Store) store.Store { faulty.Store = s; return faulty }})
	admin := m.adminKey(t)
	const body = `{"kind":"buyer","name":"retried"}`
	faulty.failNext(1)
	failed := m.post("/v1/accounts", admin, "acct-1", body)
	if failed.status != http.StatusInternalServerError {
		t.Fatalf("got %d %s with a failing store, want 500", failed.status, failed.body)
	}
	if p := failed.problem(t); p.RequestID != failed.header.Get(api.HeaderRequestID) || p.RequestID == "" {
		t.Errorf("got problem request_id %q, header %q; want the same, non-empty", p.RequestID, failed.header.Get(api.HeaderRequestID))
	}
	retried := m.post("/v1/accounts", admin, "acct-1", body)
	if retried.status != http.StatusCreated {
		t.Fatalf("retry after a 5xx: got %d %s, want 201: the failure must release the key", retried.status, retried.body)
	}
	sameAnswer(t, retried, m.post("/v1/accounts", admin, "acct-1", body))
}
