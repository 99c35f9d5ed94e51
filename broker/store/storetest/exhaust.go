package storetest

import (
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/store"
)

// exhausted is the result of a receipt capped at the remaining hold.
func exhausted(charge, fee int64) store.SettleResult {
	r := applied(charge, fee)
	r.Exhausted = true
	return r
}

// wantStatus checks a lease's status.
func (f *fixture) wantStatus(leaseID string, want store.LeaseStatus) {
	f.t.Helper()
	l, err := f.s.Lease(f.ctx, leaseID)
	if err != nil || l.Status != want {
		f.t.Errorf("Lease(%s).Status: got %s, %v; want %s", leaseID, l.Status, err, want)
	}
}

func testSettleExhaustion(t *testing.T, open Opener) {
	f := newFixture(t, open)
	// Odd numbers so that the capped fee has to be floored.
	const credit, hold, bps = 30_000, 10_007, 333
	f.buyer("b1", credit)
	f.operatorWithNodes("op1", "n1")
	l := f.lease("b1", hold, bps, "n1")
	const first = 6_000
	rest := int64(hold - first)
	charged, fees := f.run(l.ID, []step{
		{"within the hold", "n1", 1, 1, 1, first, feeOf(first, bps), applied(first, feeOf(first, bps))},
		{"past the hold", "n1", 2, 2, 2, 13_001, feeOf(13_001, bps), exhausted(rest, feeOf(rest, bps))},
		{"after exhaustion", "n1", 3, 3, 3, 20_000, feeOf(20_000, bps), store.SettleResult{}},
	})
	if charged != hold {
		t.Errorf("sum charged: got %d, want the whole hold %d", charged, hold)
	}
	f.wantStatus(l.ID, store.LeaseExhausted)
	f.wantBalance("b1", credit-hold, 0, 0)
	f.wantBalance("op1", 0, 0, hold-fees)
	f.wantUsage(l.ID, "n1", 3, 3, 3, hold, fees)
}

func testSettleSharedHold(t *testing.T, open Opener) {
	f := newFixture(t, open)
	const credit, hold, bps = 5_000, 1_000, 1000
	f.buyer("b1", credit)
	f.operatorWithNodes("op1", "n1")
	f.operatorWithNodes("op2", "n2")
	l := f.lease("b1", hold, bps, "n1", "n2")
	f.run(l.ID, []step{
		{"first exit", "n1", 1, 0, 0, 600, 60, applied(600, 60)},
		{"second exit reaches the hold", "n2", 1, 0, 0, 700, 70, exhausted(400, feeOf(400, bps))},
		{"first exit after exhaustion", "n1", 2, 0, 0, 900, 90, store.SettleResult{}},
	})
	f.wantStatus(l.ID, store.LeaseExhausted)
	f.wantBalance("b1", credit-hold, 0, 0)
	f.wantBalance("op1", 0, 0, 600-60)
	f.wantBalance("op2", 0, 0, 400-feeOf(400, bps))

	// Exactly reaching the hold also exhausts, keeping the receipt's fee.
	l2 := f.lease("b1", hold, bps, "n1")
	f.run(l2.ID, []step{{"exact", "n1", 1, 0, 0, hold, 7, exhausted(hold, 7)}})
	f.wantStatus(l2.ID, store.LeaseExhausted)
}

func testSettleAfterClose(t *testing.T, open Opener) {
	f := newFixture(t, open)
	const credit, hold = 10_000, 5_000
	f.buyer("b1", credit)
	f.operatorWithNodes("op1", "n1", "n2")
	l := f.lease("b1", hold, 0, "n1", "n2")
	f.settle(store.Settlement{LeaseID: l.ID, NodeID: "n1", Seq: 1, BytesUp: 100, CumChargeMicros: 1_000})
	if _, err := f.s.CloseLease(f.ctx, l.ID, store.LeaseClosed, base.Add(time.Minute)); err != nil {
		t.Fatalf("CloseLease: %v", err)
	}
	f.run(l.ID, []step{
		{"late receipt", "n1", 2, 500, 50, 3_000, 0, store.SettleResult{}},
		{"first receipt after close", "n2", 1, 7, 8, 900, 0, store.SettleResult{}},
	})
	f.wantBalance("b1", credit-1_000, 0, 0)
	f.wantBalance("op1", 0, 0, 1_000)
	f.wantUsage(l.ID, "n1", 2, 500, 50, 1_000, 0)
	f.wantUsage(l.ID, "n2", 1, 7, 8, 0, 0)
	f.wantStatus(l.ID, store.LeaseClosed)
}
