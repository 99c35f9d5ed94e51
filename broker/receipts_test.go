package broker_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/metering/billing"
	"github.com/sparelink/sparelink/metering/receipt"
)

// signedReceipt is a receipt for (leaseID, node) signed by key.
func signedReceipt(leaseID string, node, key identity.Key, seq uint64, up, down int64) *receipt.Receipt {
	r := &receipt.Receipt{LeaseID: leaseID, NodeID: node.NodeID(), Seq: seq, Up: up, Down: down,
		Time: time.Date(2026, 3, 1, 12, 0, 0, int(seq), time.UTC)}
	r.Sign(key.Private)
	return r
}

func TestReceiptsSettle(t *testing.T) {
	m := newMarket(t)
	opA, _, a := m.account(api.KindOperator, "A")
	_, _, b := m.account(api.KindOperator, "B")
	a1, _ := m.node(a, listing("DE", 100, 2_000_000))
	a2, _ := m.node(a, listing("FR", 100, 2_000_000))
	b1, _ := m.node(b, listing("DE", 200, 3_000_000))
	_, buyer := m.buyer("payer", 50_000_000)
	l, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{Coverage: api.Coverage{Country: "DE"}, Exits: 2, MaxBytes: 10e9})
	if err != nil {
		t.Fatal(err)
	}
	if l.PriceMicrosPerGB != 3_000_000 || len(l.Exits) != 2 {
		t.Fatalf("got lease %+v, want 2 exits at 3 units/GB", l)
	}
	const up, down = 12_345, 456_789_012
	first := signedReceipt(l.ID, a1, a1, 1, up, down)
	forged := signedReceipt(l.ID, a1, a2, 2, up, 2*down)
	foreign := signedReceipt(l.ID, b1, b1, 1, up, down)
	outside := signedReceipt(l.ID, a2, a2, 1, up, down)
	res, err := a.SubmitReceipts(m.ctx, []*receipt.Receipt{first, forged, foreign, outside})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	charge := billing.Charge(up+down, l.PriceMicrosPerGB)
	fee := billing.Fee(charge, feeBPS)
	want := []struct {
		name    string
		applied bool
		charged int64
		refused bool
	}{
		{"valid", true, charge, false},
		{"signed by another node", false, 0, true},
		{"node of another operator", false, 0, true},
		{"node outside the lease", false, 0, true},
	}
	if len(res.Results) != len(want) {
		t.Fatalf("got %d results, want %d", len(res.Results), len(want))
	}
	for i, w := range want {
		r := res.Results[i]
		if r.Applied != w.applied || r.ChargedMicros != w.charged || (r.Error != "") != w.refused {
			t.Errorf("%s: got %+v, want applied %v charged %d refused %v", w.name, r, w.applied, w.charged, w.refused)
		}
	}

	replay, err := a.SubmitReceipts(m.ctx, []*receipt.Receipt{first})
	if err != nil {
		t.Fatal(err)
	}
	if r := replay.Results[0]; r.Applied || r.ChargedMicros != 0 || r.Error != "" {
		t.Errorf("replay got %+v, want nothing applied and no error", r)
	}

	usage, err := buyer.Usage(m.ctx, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	if usage.ChargedMicros != charge || usage.FeeMicros != fee || usage.SellerMicros+usage.FeeMicros != usage.ChargedMicros {
		t.Errorf("got usage %+v, want charged %d, fee %d, seller %d", usage, charge, fee, charge-fee)
	}
	if len(usage.Exits) != 1 || usage.Exits[0].BytesUp != up || usage.Exits[0].BytesDown != down || usage.Exits[0].Seq != 1 {
		t.Errorf("got exits %+v, want one at seq 1 with %d up, %d down", usage.Exits, up, down)
	}
	earned, err := m.admin.BalanceOf(m.ctx, opA.ID)
	if err != nil {
		t.Fatal(err)
	}
	if earned.EarnedMicros != charge-fee {
		t.Errorf("operator earned %d, want %d", earned.EarnedMicros, charge-fee)
	}

	closed, err := buyer.CloseLease(m.ctx, l.ID)
	if err != nil || closed.Status != api.LeaseClosed {
		t.Fatalf("close: %+v, %v", closed, err)
	}
	bal, err := buyer.Balance(m.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if bal.HeldMicros != 0 || bal.AvailableMicros != 50_000_000-charge {
		t.Errorf("after close got balance %+v, want nothing held and %d available", bal, 50_000_000-charge)
	}
	check, err := m.admin.CheckLedger(m.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !check.Balanced || check.SumMicros != 0 {
		t.Errorf("got ledger check %+v, want balanced", check)
	}
}

func TestReceiptsCumulative(t *testing.T) {
	m := newMarket(t)
	_, _, a := m.account(api.KindOperator, "A")
	n, _ := m.node(a, listing("SE", 100, 7_000_000))
	_, buyer := m.buyer("cumulative", 50_000_000)
	l, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{MaxBytes: 5e9})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		seq      uint64
		up, down int64
	}{{1, 100, 333_333_333}, {2, 200, 777_777_777}, {3, 200, 777_777_777}, {4, 999, 1_000_000_001}}
	var total int64
	for _, s := range steps {
		res, err := a.SubmitReceipts(m.ctx, []*receipt.Receipt{signedReceipt(l.ID, n, n, s.seq, s.up, s.down)})
		if err != nil {
			t.Fatal(err)
		}
		total += res.Results[0].ChargedMicros
		if want := billing.Charge(s.up+s.down, l.PriceMicrosPerGB); total != want {
			t.Errorf("after seq %d charged %d in all, want exactly %d", s.seq, total, want)
		}
	}
	resp := m.rawJSON(http.MethodPost, "/v1/receipts", "", api.ReceiptBatch{Receipts: []string{"x"}})
	if resp.status != http.StatusUnauthorized {
		t.Errorf("got %d for receipts without a key, want 401", resp.status)
	}
}

func TestReceiptsMalformed(t *testing.T) {
	m := newMarket(t)
	_, opKey, _ := m.account(api.KindOperator, "A")
	tests := []struct {
		name     string
		receipts []string
		status   int
		refused  int
	}{
		{"empty batch", []string{}, http.StatusBadRequest, 0},
		{"garbage", []string{"not a receipt", "", "AAAA"}, http.StatusOK, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := m.rawJSON(http.MethodPost, "/v1/receipts", opKey, api.ReceiptBatch{Receipts: tt.receipts})
			if resp.status != tt.status {
				t.Fatalf("got status %d (%s), want %d", resp.status, resp.body, tt.status)
			}
			if tt.status != http.StatusOK {
				return
			}
			var out api.ReceiptResults
			if err := jsonUnmarshal(resp.body, &out); err != nil {
				t.Fatal(err)
			}
			refused := 0
			for _, r := range out.Results {
				if r.Error != "" && !r.Applied {
					refused++
				}
			}
			if refused != tt.refused {
				t.Errorf("got %d refused, want %d", refused, tt.refused)
			}
		})
	}
}
