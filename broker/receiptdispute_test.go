package broker_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/metering/audit"
	"github.com/sparelink/sparelink/metering/billing"
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/metering/receipt"
)

// TestCountersignedSettlement settles a lease with a buyer key: only
// countersigned receipts are billed, a claim far above the buyer's
// countersignature becomes a dispute, forged countersignatures are
// refused, and the export verifies offline to the same bill.
func TestCountersignedSettlement(t *testing.T) {
	m := newMarket(t)
	_, _, op := m.account(api.KindOperator, "op")
	key, _ := m.node(op, listing("DE", 100, 2_000_000))
	buyerPub, buyerKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, buyer := m.buyer("payer", 50_000_000)
	l, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{MaxBytes: 10e9, BuyerKey: base64.StdEncoding.EncodeToString(buyerPub)})
	if err != nil {
		t.Fatal(err)
	}
	if l.BuyerKey != base64.StdEncoding.EncodeToString(buyerPub) {
		t.Fatalf("lease buyer_key = %q, want the request's", l.BuyerKey)
	}
	iss := receipt.NewIssuer(key.Private, key.NodeID(), nil)
	signed := func(up, down int64, cs ed25519.PrivateKey) *receipt.Receipt {
		r, _ := iss.Issue(l.ID, meter.Totals{Up: up, Down: down})
		if cs != nil {
			r.Countersign(cs)
		}
		return r
	}
	_, stranger, _ := ed25519.GenerateKey(rand.Reader)
	r1 := signed(1e6, 9e6, buyerKey)
	steps := []struct {
		name          string
		r             *receipt.Receipt
		applied       bool
		disputed      bool
		refused       bool
		countersigned bool
	}{
		{"countersigned", r1, true, false, false, true},
		{"replayed", r1, false, false, false, true},
		{"within the window, not countersigned", signed(1e6, 9.5e6, nil), false, false, false, false},
		{"countersigned by a stranger", signed(1e6, 9.6e6, stranger), false, false, true, false},
		{"12% over, not countersigned", signed(1.12e6, 12e6, nil), false, true, false, false},
		{"50% over, not countersigned", signed(1.5e6, 15e6, nil), false, true, false, false},
	}
	for _, s := range steps {
		res, err := op.SubmitReceipts(m.ctx, []*receipt.Receipt{s.r})
		if err != nil {
			t.Fatalf("%s: submit: %v", s.name, err)
		}
		got := res.Results[0]
		if got.Applied != s.applied || got.Disputed != s.disputed || (got.Error != "") != s.refused || got.Countersigned != s.countersigned {
			t.Errorf("%s: got %+v, want applied %v disputed %v refused %v countersigned %v",
				s.name, got, s.applied, s.disputed, s.refused, s.countersigned)
		}
	}
	usage, err := buyer.Usage(m.ctx, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := billing.Charge(r1.Up+r1.Down, l.PriceMicrosPerGB); usage.ChargedMicros != want {
		t.Fatalf("charged %d, want %d for the countersigned receipt only", usage.ChargedMicros, want)
	}
	checkExport(t, m, buyer, l.ID, usage.ChargedMicros, 5)
	// The statement shows the bytes as countersigned, none node-attested.
	st, err := op.Statements(m.ctx, client.StatementQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Statements) != 1 || st.Statements[0].BytesDown != 9e6 || st.Statements[0].NodeAttestedBytes != 0 {
		t.Errorf("statements %+v, want one with the countersigned 9e6 bytes down and none node-attested", st.Statements)
	}
}

// checkExport fetches a lease's export and verifies it offline to the
// settled charge.
func checkExport(t *testing.T, m *market, buyer *client.Client, leaseID string, charged int64, receipts int) {
	t.Helper()
	data, err := buyer.ExportReceipts(m.ctx, leaseID)
	if err != nil {
		t.Fatalf("ExportReceipts: %v", err)
	}
	x, err := audit.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("read export: %v\n%s", err, data)
	}
	bill, err := audit.Verify(x)
	if err != nil {
		t.Fatalf("verify export: %v\n%s", err, data)
	}
	if bill.Total.ChargeMicros != charged || len(x.Receipts) != receipts {
		t.Fatalf("export bills %d over %d receipts, want %d over %d", bill.Total.ChargeMicros, len(x.Receipts), charged, receipts)
	}
}

// TestDisputeReports checks the buyer's dispute endpoint: a refused
// receipt is recorded once and shown to the buyer and the operator;
// receipts that are not the exit's, or claim no more than the buyer
// counted, are refused.
func TestDisputeReports(t *testing.T) {
	m := newMarket(t)
	_, _, op := m.account(api.KindOperator, "op")
	key, _ := m.node(op, listing("DE", 100, 2_000_000))
	other, _ := m.node(op, listing("FR", 100, 2_000_000))
	_, buyer := m.buyer("payer", 50_000_000)
	l, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{Coverage: api.Coverage{Country: "DE"}, MaxBytes: 10e9})
	if err != nil {
		t.Fatal(err)
	}
	claim := signedReceipt(l.ID, key, key, 3, 100, 5000)
	tests := []struct {
		name   string
		r      *receipt.Receipt
		buyer  meter.Totals
		status int
	}{
		{"over-claim", claim, meter.Totals{Up: 100, Down: 4000}, http.StatusCreated},
		{"reported again", claim, meter.Totals{Up: 100, Down: 4000}, http.StatusCreated},
		{"no more than counted", claim, meter.Totals{Up: 100, Down: 5000}, http.StatusBadRequest},
		{"node outside the lease", signedReceipt(l.ID, other, other, 1, 1, 9), meter.Totals{}, http.StatusBadRequest},
		{"forged", signedReceipt(l.ID, key, other, 4, 1, 9), meter.Totals{}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		_, err := buyer.ReportDispute(m.ctx, l.ID, tt.r, tt.buyer)
		if tt.status == http.StatusCreated && err != nil {
			t.Fatalf("%s: ReportDispute: %v", tt.name, err)
		}
		if tt.status != http.StatusCreated {
			wantProblem(t, err, tt.status, api.CodeInvalidRequest)
		}
	}
	mine, err := buyer.LeaseDisputes(m.ctx, l.ID)
	if err != nil || len(mine.Disputes) != 1 || mine.Disputes[0].ClaimedDown != 5000 || mine.Disputes[0].AgreedDown != 4000 {
		t.Fatalf("LeaseDisputes() = %+v, %v, want the one over-claim", mine, err)
	}
	theirs, err := op.Disputes(m.ctx)
	if err != nil || len(theirs.Disputes) != 1 || theirs.Disputes[0].Source != "buyer" {
		t.Fatalf("operator Disputes() = %+v, %v, want the buyer's report", theirs, err)
	}
}
