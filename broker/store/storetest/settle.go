package storetest

import (
	"math"
	"testing"

	"github.com/sparelink/sparelink/broker/store"
)

// step is one receipt and what Settle must answer to it.
type step struct {
	name                  string
	node                  string
	seq                   uint64
	up, down, cum, cumFee int64
	want                  store.SettleResult
}

// run settles the steps in order against one lease and returns the sums of
// what they charged and paid.
func (f *fixture) run(leaseID string, steps []step) (charged, fees int64) {
	f.t.Helper()
	for _, s := range steps {
		f.t.Run(s.name, func(t *testing.T) {
			got, err := f.s.Settle(f.ctx, store.Settlement{LeaseID: leaseID, NodeID: s.node, Seq: s.seq,
				BytesUp: s.up, BytesDown: s.down, CumChargeMicros: s.cum, CumFeeMicros: s.cumFee})
			if err != nil {
				t.Fatalf("Settle: %v", err)
			}
			if got != s.want {
				t.Errorf("Settle: got %+v, want %+v", got, s.want)
			}
			charged += got.ChargedMicros
			fees += got.FeeMicros
		})
	}
	return charged, fees
}

// applied is the result of a receipt that moved money.
func applied(charge, fee int64) store.SettleResult {
	return store.SettleResult{Applied: true, ChargedMicros: charge, FeeMicros: fee, SellerMicros: charge - fee}
}

// wantUsage checks one exit's settled totals.
func (f *fixture) wantUsage(leaseID, nodeID string, seq uint64, up, down, charged, fee int64) {
	f.t.Helper()
	us, err := f.s.Usage(f.ctx, leaseID)
	if err != nil {
		f.t.Fatalf("Usage(%s): %v", leaseID, err)
	}
	for _, u := range us {
		if u.NodeID != nodeID {
			continue
		}
		got := [5]int64{int64(u.Seq), u.BytesUp, u.BytesDown, u.ChargedMicros, u.FeeMicros}
		want := [5]int64{int64(seq), up, down, charged, fee}
		if got != want || u.LeaseID != leaseID || u.UpdatedAt.IsZero() {
			f.t.Errorf("Usage(%s, %s) [seq up down charged fee]: got %v, want %v", leaseID, nodeID, got, want)
		}
		return
	}
	f.t.Errorf("Usage(%s): no row for node %s in %+v", leaseID, nodeID, us)
}

func testSettle(t *testing.T, open Opener) {
	t.Run("ReceiptLog", func(t *testing.T) { testReceiptLog(t, open) })
	f := newFixture(t, open)
	const credit, hold, bps = 50_000, 20_000, 1000
	f.buyer("b1", credit)
	f.operatorWithNodes("op1", "n1", "n2")
	l := f.lease("b1", hold, bps, "n1", "n2")
	none := store.SettleResult{}
	charged, fees := f.run(l.ID, []step{
		{"first receipt", "n1", 1, 10, 20, 1000, 100, applied(1000, 100)},
		{"exact replay", "n1", 1, 10, 20, 1000, 100, none},
		{"older seq", "n1", 0, 5, 5, 2000, 200, none},
		{"newer receipt", "n1", 3, 30, 60, 2500, 250, applied(1500, 150)},
		{"late seq with more charge", "n1", 2, 40, 70, 5000, 500, none},
		{"fee above the charge", "n1", 4, 40, 80, 3000, 900, applied(500, 500)},
		{"fee going down", "n1", 5, 50, 90, 4000, 100, applied(1000, 0)},
		{"bytes but no charge", "n1", 6, 70, 95, 4000, 900, none},
		{"charge going down", "n1", 7, 60, 99, 10, 0, none},
		{"other node", "n2", 1, 1, 2, 700, 70, applied(700, 70)},
		{"negative totals", "n2", 2, -1, -1, -5, math.MinInt64, none},
	})
	if wantCharged := int64(1000 + 1500 + 500 + 1000 + 700); charged != wantCharged {
		t.Errorf("sum charged: got %d, want %d", charged, wantCharged)
	}
	f.wantBalance("b1", credit-hold, hold-charged, 0)
	f.wantBalance("op1", 0, 0, charged-fees)
	f.wantUsage(l.ID, "n1", 7, 70, 99, 4000, 100+150+500)
	f.wantUsage(l.ID, "n2", 2, 1, 2, 700, 70)
	if got, err := f.s.Lease(f.ctx, l.ID); err != nil || got.Status != store.LeaseActive {
		t.Errorf("Lease status: got %s, %v; want active", got.Status, err)
	}
}

func testSettleRejects(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.buyer("b1", 1000)
	f.operatorWithNodes("op1", "n1")
	l := f.lease("b1", 1000, 0, "n1")
	tests := []struct {
		name string
		s    store.Settlement
		want error
	}{
		{"unknown lease", store.Settlement{LeaseID: "ls-404", NodeID: "n1", Seq: 1, CumChargeMicros: 1}, store.ErrNotFound},
		{"unknown node", store.Settlement{LeaseID: l.ID, NodeID: "n404", Seq: 1, CumChargeMicros: 1}, store.ErrNotFound},
		{"empty lease", store.Settlement{NodeID: "n1", Seq: 1, CumChargeMicros: 1}, store.ErrInvalid},
		{"empty node", store.Settlement{LeaseID: l.ID, Seq: 1, CumChargeMicros: 1}, store.ErrInvalid},
		{"seq beyond int64", store.Settlement{LeaseID: l.ID, NodeID: "n1", Seq: math.MaxInt64 + 1, CumChargeMicros: 1}, store.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.s.Settle(f.ctx, tt.s)
			wantErr(t, "Settle", err, tt.want)
		})
	}
	f.wantBalance("b1", 0, 1000, 0)
}

func testUsage(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.buyer("b1", 1000)
	f.operatorWithNodes("op1", "n1", "n2", "n3")
	l := f.lease("b1", 1000, 0, "n1", "n2", "n3")
	if us, err := f.s.Usage(f.ctx, l.ID); err != nil || len(us) != 0 {
		t.Errorf("Usage of a new lease: got %+v, %v; want none", us, err)
	}
	for _, n := range []string{"n3", "n1", "n2"} {
		f.settle(store.Settlement{LeaseID: l.ID, NodeID: n, Seq: 1, BytesUp: 1, CumChargeMicros: 10})
	}
	us, err := f.s.Usage(f.ctx, l.ID)
	if err != nil || len(us) != 3 {
		t.Fatalf("Usage: got %+v, %v; want 3 rows", us, err)
	}
	for i, want := range []string{"n1", "n2", "n3"} {
		if us[i].NodeID != want {
			t.Errorf("Usage[%d].NodeID: got %s, want %s", i, us[i].NodeID, want)
		}
	}
	_, err = f.s.Usage(f.ctx, "ls-404")
	wantErr(t, "Usage(ls-404)", err, store.ErrNotFound)
}
