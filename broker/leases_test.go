package broker_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/metering/billing"
)

// supply registers, in DE: operator A with two nodes in AS100 (prices 1
// and 4 units/GB), B with one in AS200 (2 units/GB), C with one in AS300
// (3 units/GB). It returns each node's operator name by node ID.
func (m *market) supply() map[string]string {
	m.t.Helper()
	owner := map[string]string{}
	for _, s := range []struct {
		op     string
		asn    int
		prices []int64
	}{
		{"A", 100, []int64{1_000_000, 4_000_000}},
		{"B", 200, []int64{2_000_000}},
		{"C", 300, []int64{3_000_000}},
	} {
		_, _, op := m.account(api.KindOperator, "operator "+s.op)
		for _, p := range s.prices {
			_, n := m.node(op, listing("DE", s.asn, p))
			owner[n.ID] = s.op
		}
	}
	return owner
}

func TestLeaseSpreadsAcrossOperators(t *testing.T) {
	m := newMarket(t)
	owner := m.supply()
	_, buyer := m.buyer("spread", 100_000_000)
	req := api.LeaseRequest{Coverage: api.Coverage{Country: "DE"}, Exits: 3, MaxBytes: 2e9}
	q, err := buyer.Quote(m.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if q.AvailableExits != 4 || q.Operators != 3 || q.FeeBPS != feeBPS {
		t.Errorf("got quote %+v, want 4 exits of 3 operators at %d bps", q, feeBPS)
	}
	l, err := buyer.CreateLease(m.ctx, "", req)
	if err != nil {
		t.Fatalf("create lease: %v", err)
	}
	ops := map[string]bool{}
	for _, e := range l.Exits {
		ops[owner[e.NodeID]] = true
	}
	if len(l.Exits) != 3 || len(ops) != 3 {
		t.Fatalf("got exits of operators %v, want one from each of A, B, C", ops)
	}
	if l.PriceMicrosPerGB != q.PriceMicrosPerGB || l.HoldMicros != q.HoldMicros {
		t.Errorf("lease price %d hold %d differ from quote %+v", l.PriceMicrosPerGB, l.HoldMicros, q)
	}
	if want := billing.HoldFor(req.MaxBytes, l.PriceMicrosPerGB); l.HoldMicros != want || l.MaxBytes != req.MaxBytes {
		t.Errorf("got hold %d for %d bytes, want %d for %d", l.HoldMicros, l.MaxBytes, want, req.MaxBytes)
	}
	four, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{Coverage: api.Coverage{Country: "DE"}, Exits: 4, MaxBytes: 1e6})
	if err != nil {
		t.Fatal(err)
	}
	if len(four.Exits) != 4 || owner[four.Exits[3].NodeID] != "A" || four.PriceMicrosPerGB != 4_000_000 {
		t.Errorf("got 4-exit lease %+v, want A's second node last and the highest floor as price", four)
	}
	bal, err := buyer.Balance(m.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if bal.HeldMicros != l.HoldMicros+four.HoldMicros || bal.AvailableMicros != 100_000_000-bal.HeldMicros {
		t.Errorf("got balance %+v, want holds %d and %d", bal, l.HoldMicros, four.HoldMicros)
	}
}

func TestLeaseTokensVerify(t *testing.T) {
	m := newMarket(t)
	m.supply()
	_, buyer := m.buyer("tokens", 100_000_000)
	l, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{Exits: 2, MaxBytes: 3e9, DurationSeconds: 300, RateBps: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	v := m.verifier()
	for _, e := range l.Exits {
		c, err := v.Verify(e.QUIC.Token, e.NodeID)
		if err != nil {
			t.Fatalf("exit %s token: %v", e.NodeID, err)
		}
		if c.LeaseID != l.ID || c.ByteCap != l.MaxBytes || c.RateBps != 1<<20 || !c.ExpiresAt.Equal(l.ExpiresAt.Truncate(time.Second)) {
			t.Errorf("got claims %+v, want lease %s, cap %d, lease expiry %s", c, l.ID, l.MaxBytes, l.ExpiresAt)
		}
		if _, err := v.Verify(e.QUIC.Token, "nd_someoneelse"); err == nil {
			t.Errorf("token of %s accepted for another node", e.NodeID)
		}
	}
	long, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{MaxBytes: 1e9, DurationSeconds: 3600})
	if err != nil {
		t.Fatal(err)
	}
	c, err := v.Verify(long.Exits[0].QUIC.Token, long.Exits[0].NodeID)
	if err != nil {
		t.Fatal(err)
	}
	if want := m.clock.Now().Add(broker10m); !c.ExpiresAt.Equal(want) {
		t.Errorf("got token expiry %s, want the 10m token TTL %s", c.ExpiresAt, want)
	}
}

const broker10m = 10 * time.Minute

func TestLeaseRefusals(t *testing.T) {
	m := newMarket(t)
	m.supply()
	_, poor := m.buyer("poor", 10)
	_, rich := m.buyer("rich", 1e9)
	tests := []struct {
		name   string
		buyer  *client.Client
		req    api.LeaseRequest
		status int
		code   string
	}{
		{"insufficient funds", poor, api.LeaseRequest{MaxBytes: 1e9}, http.StatusPaymentRequired, api.CodeInsufficientFunds},
		{"no supply in country", rich, api.LeaseRequest{Coverage: api.Coverage{Country: "JP"}, MaxBytes: 1e9}, http.StatusConflict, api.CodeNoSupply},
		{"no supply for protocol", rich, api.LeaseRequest{Protocols: []string{api.ProtocolWireGuard}, MaxBytes: 1e9}, http.StatusConflict, api.CodeNoSupply},
		{"unknown mode", rich, api.LeaseRequest{Mode: "anycast"}, http.StatusBadRequest, api.CodeInvalidRequest},
		{"negative bytes", rich, api.LeaseRequest{MaxBytes: -1}, http.StatusBadRequest, api.CodeInvalidRequest},
		{"too many exits", rich, api.LeaseRequest{Exits: 17, MaxBytes: 1}, http.StatusBadRequest, api.CodeInvalidRequest},
		{"bytes that cost nothing", rich, api.LeaseRequest{MaxBytes: 10}, http.StatusBadRequest, api.CodeInvalidRequest},
		{"bad subdivision", rich, api.LeaseRequest{Coverage: api.Coverage{Country: "DE", Subdivision: "Berlin"}, MaxBytes: 1e9}, http.StatusBadRequest, api.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.buyer.CreateLease(m.ctx, "", tt.req)
			wantProblem(t, err, tt.status, tt.code)
		})
	}
}

func TestLeaseIdempotency(t *testing.T) {
	m := newMarket(t)
	m.supply()
	_, buyer := m.buyer("idem", 1e9)
	req := api.LeaseRequest{Exits: 2, MaxBytes: 1e9}
	first, err := buyer.CreateLease(m.ctx, "order-1", req)
	if err != nil {
		t.Fatal(err)
	}
	resp := m.rawJSON(http.MethodPost, "/v1/leases", "", req)
	if resp.status != http.StatusUnauthorized {
		t.Errorf("got status %d without a key, want 401", resp.status)
	}
	again, err := buyer.CreateLease(m.ctx, "order-1", req)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != first.ID {
		t.Errorf("repeat got lease %s, want %s", again.ID, first.ID)
	}
	req.MaxBytes = 2e9
	_, err = buyer.CreateLease(m.ctx, "order-1", req)
	wantProblem(t, err, http.StatusUnprocessableEntity, api.CodeIdempotencyMismatch)
	list, err := buyer.Leases(m.ctx, client.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Leases) != 1 {
		t.Errorf("got %d leases, want 1", len(list.Leases))
	}
	bal, err := buyer.Balance(m.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if bal.HeldMicros != first.HoldMicros {
		t.Errorf("got held %d, want one hold of %d", bal.HeldMicros, first.HoldMicros)
	}
}
