package broker_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/metering/receipt"
)

// statementMarket has operator A with exits a1 and a2 and operator B with
// b1, all in SE, and a buyer's lease over the three; A's exits settle on
// two days.
type statementMarket struct {
	*market
	keyA    string
	a       *client.Client
	a1, a2  identity.Key
	charged map[string]int64 // by "day/node", what receipts charged
	day1    time.Time
}

func newStatementMarket(t *testing.T) *statementMarket {
	m := &statementMarket{market: newMarket(t), charged: map[string]int64{}}
	_, m.keyA, m.a = m.account(api.KindOperator, "A")
	_, _, b := m.account(api.KindOperator, "B")
	m.a1, _ = m.node(m.a, listing("SE", 100, 2_000_000))
	m.a2, _ = m.node(m.a, listing("SE", 100, 2_000_000))
	b1, _ := m.node(b, listing("SE", 200, 2_000_000))
	_, buyer := m.buyer("statements buyer", 1e9)
	l, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{Coverage: api.Coverage{Country: "SE"}, Exits: 3, MaxBytes: 100e9})
	if err != nil {
		t.Fatal(err)
	}
	m.day1 = m.clock.Now()
	m.settle(t, b, signedReceipt(l.ID, b1, b1, 1, 5e6, 5e8), "day1/b1")
	m.settle(t, m.a, signedReceipt(l.ID, m.a1, m.a1, 1, 1e6, 2e8), "day1/a1")
	m.clock.Advance(24 * time.Hour)
	m.settle(t, m.a, signedReceipt(l.ID, m.a1, m.a1, 2, 3e6, 6e8), "day2/a1")
	m.settle(t, m.a, signedReceipt(l.ID, m.a2, m.a2, 1, 4e6, 1e9), "day2/a2")
	return m
}

func (m *statementMarket) settle(t *testing.T, op *client.Client, r *receipt.Receipt, key string) {
	t.Helper()
	res, err := op.SubmitReceipts(m.ctx, []*receipt.Receipt{r})
	if err != nil || !res.Results[0].Applied {
		t.Fatalf("settle %s: got %+v, %v", key, res, err)
	}
	m.charged[key] = res.Results[0].ChargedMicros
}

func (m *statementMarket) statements(t *testing.T, key, query string) []api.Statement {
	t.Helper()
	resp := m.raw(http.MethodGet, "/v1/statements"+query, key, nil, nil)
	var out api.StatementList
	if resp.status != http.StatusOK || json.Unmarshal(resp.body, &out) != nil {
		t.Fatalf("GET /v1/statements%s: got %d %s", query, resp.status, resp.body)
	}
	return out.Statements
}

func TestStatementsByDay(t *testing.T) {
	m := newStatementMarket(t)
	got := m.statements(t, m.keyA, "?from=2026-03-01&to=2026-03-03&period=day")
	want := []struct {
		day, node string
		id        identity.Key
		up, down  int64
		start     time.Time
	}{
		{"day1", "a1", m.a1, 1e6, 2e8, m.day1.Truncate(24 * time.Hour)},
		{"day2", "a1", m.a1, 2e6, 4e8, m.day1.Truncate(24 * time.Hour).Add(24 * time.Hour)},
		{"day2", "a2", m.a2, 4e6, 1e9, m.day1.Truncate(24 * time.Hour).Add(24 * time.Hour)},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d statements %+v, want %d (A's exits only)", len(got), got, len(want))
	}
	byKey := map[string]api.Statement{}
	for i, s := range got {
		byKey[s.PeriodStart.Format(time.DateOnly)+"/"+s.NodeID] = s
		if i > 0 && (s.ID <= got[i-1].ID || s.PeriodStart.Before(got[i-1].PeriodStart)) {
			t.Errorf("statement %d (%s) is out of order after %s", i, s.ID, got[i-1].ID)
		}
	}
	ledger := m.ledgerByTxn(t, m.a)
	for i, w := range want {
		s := byKey[w.start.Format(time.DateOnly)+"/"+w.id.NodeID()]
		charged := m.charged[w.day+"/"+w.node]
		if s.NodeID != w.id.NodeID() || !s.PeriodStart.Equal(w.start) || !s.PeriodEnd.Equal(w.start.Add(24*time.Hour)) ||
			s.BytesUp != w.up || s.BytesDown != w.down || s.ChargedMicros != charged || s.Settlements != 1 {
			t.Errorf("statement %d: got %+v, want %s of %s: %d up, %d down, %d charged", i, s, w.day, w.node, w.up, w.down, charged)
		}
		if s.NetMicros != s.ChargedMicros-s.FeeMicros || s.FeeMicros <= 0 {
			t.Errorf("statement %d: got fee %d, net %d of %d charged; want net = charged - fee", i, s.FeeMicros, s.NetMicros, s.ChargedMicros)
		}
		// These leases have no buyer key: every byte is node-attested.
		if s.NodeAttestedBytes != w.up+w.down {
			t.Errorf("statement %d: got %d node-attested bytes, want all %d (no buyer key)", i, s.NodeAttestedBytes, w.up+w.down)
		}
		var traced int64
		for _, txn := range s.TxnIDs {
			traced += ledger[txn]
		}
		if len(s.TxnIDs) != 1 || traced != s.NetMicros {
			t.Errorf("statement %d: transactions %v credit A %d in the ledger, want the net %d", i, s.TxnIDs, traced, s.NetMicros)
		}
	}
}

// ledgerByTxn sums an account's ledger entries by transaction.
func (m *statementMarket) ledgerByTxn(t *testing.T, c *client.Client) map[string]int64 {
	t.Helper()
	sums := map[string]int64{}
	page, err := c.Ledger(m.ctx, "", client.Page{Limit: api.MaxPageLimit})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range page.Entries {
		sums[e.TxnID] += e.AmountMicros
	}
	return sums
}

func TestStatementsViews(t *testing.T) {
	m := newStatementMarket(t)
	admin := m.adminKey(t)
	opA, err := m.a.Balance(m.ctx)
	if err != nil {
		t.Fatal(err)
	}
	hours := m.statements(t, m.keyA, "?from=2026-03-01T00:00:00Z&to=2026-03-03T00:00:00Z&period=hour")
	if len(hours) != 3 || hours[0].PeriodEnd.Sub(hours[0].PeriodStart) != time.Hour {
		t.Errorf("by hour: got %+v, want 3 one-hour statements", hours)
	}
	byAdmin := m.statements(t, admin, "?account_id="+opA.AccountID+"&from=2026-03-01&to=2026-03-03")
	if len(byAdmin) != 3 {
		t.Errorf("admin view of A: got %d statements, want 3", len(byAdmin))
	}
	if ids := m.walk(t, m.keyA, "/v1/statements?from=2026-03-01&to=2026-03-03"); len(ids) != 3 {
		t.Errorf("paged: got %v, want 3 statements", ids)
	}
	if recent := m.statements(t, m.keyA, ""); len(recent) != 3 {
		t.Errorf("default range (the last seven days): got %d statements, want 3", len(recent))
	}
	if none := m.statements(t, m.keyA, "?from=2026-02-01&to=2026-02-02"); len(none) != 0 {
		t.Errorf("a day without traffic: got %+v, want none", none)
	}
}

func TestStatementsRefusals(t *testing.T) {
	m := newMarket(t)
	_, opKey, _ := m.account(api.KindOperator, "op")
	_, buyerKey, _ := m.account(api.KindBuyer, "buyer")
	tests := []struct {
		name, key, query string
		status           int
	}{
		{"buyer", buyerKey, "", http.StatusForbidden},
		{"unknown period", opKey, "?period=week", http.StatusBadRequest},
		{"from after to", opKey, "?from=2026-03-05&to=2026-03-01", http.StatusBadRequest},
		{"too many periods", opKey, "?period=hour&from=2026-01-01&to=2026-03-01", http.StatusBadRequest},
		{"not a date", opKey, "?from=yesterday", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if resp := m.raw(http.MethodGet, "/v1/statements"+tt.query, tt.key, nil, nil); resp.status != tt.status {
				t.Errorf("got %d %s, want %d", resp.status, resp.body, tt.status)
			}
		})
	}
}
