package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/broker/store/sqlite"
)

// FuzzSettle feeds Settle two receipts with arbitrary numbers, as a
// misbehaving or hostile exit could send them after signature checks, and
// checks the money rules on a fresh lease each time: nothing negative, the
// fee within the charge, never more than the hold charged, the buyer's
// books and the usage rows agreeing with the results, and the whole ledger
// balanced.
func FuzzSettle(f *testing.F) {
	f.Add(uint64(1), int64(1000), int64(100), uint64(2), int64(5000), int64(500), int64(3000), int64(1000), int64(10))
	f.Add(uint64(5), int64(100), int64(999), uint64(5), int64(200), int64(0), int64(150), int64(10000), int64(-1))
	f.Add(uint64(math.MaxUint64), int64(math.MaxInt64), int64(math.MinInt64), uint64(0), int64(-1), int64(math.MaxInt64), int64(math.MaxInt64), int64(math.MinInt64), int64(math.MaxInt64))
	s := openTemp(f)
	ctx := context.Background()
	if err := s.CreateAccount(ctx, store.Account{ID: "op1", Kind: store.KindOperator}); err != nil {
		f.Fatalf("CreateAccount: %v", err)
	}
	if err := s.UpsertNode(ctx, store.Node{ID: "n1", OperatorID: "op1"}); err != nil {
		f.Fatalf("UpsertNode: %v", err)
	}
	var runs atomic.Int64
	f.Fuzz(func(t *testing.T, seq1 uint64, cum1, fee1 int64, seq2 uint64, cum2, fee2 int64, hold, bps, bytes int64) {
		hold = 1 + int64(uint64(hold)%uint64(store.MaxAmountMicros))
		bps = int64(uint64(bps) % 10001)
		buyer := fmt.Sprintf("b%d", runs.Add(1))
		l := fuzzLease(t, s, buyer, hold, bps)
		var total, fees int64
		for _, st := range []store.Settlement{
			{LeaseID: l.ID, NodeID: "n1", Seq: seq1, BytesUp: bytes, CumChargeMicros: cum1, CumFeeMicros: fee1},
			{LeaseID: l.ID, NodeID: "n1", Seq: seq2, BytesDown: bytes, CumChargeMicros: cum2, CumFeeMicros: fee2},
		} {
			r, err := s.Settle(ctx, st)
			if st.Seq > math.MaxInt64 && errors.Is(err, store.ErrInvalid) {
				continue
			}
			if err != nil {
				t.Fatalf("Settle(%+v): %v", st, err)
			}
			checkResult(t, r, hold, total)
			total, fees = total+r.ChargedMicros, fees+r.FeeMicros
		}
		checkBooks(t, s, buyer, l.ID, hold, total, fees)
	})
}

// fuzzLease creates a buyer holding exactly hold in one lease.
func fuzzLease(t *testing.T, s *sqlite.Store, buyer string, hold, bps int64) store.Lease {
	t.Helper()
	ctx := context.Background()
	if err := s.CreateAccount(ctx, store.Account{ID: buyer, Kind: store.KindBuyer}); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	if _, err := s.Credit(ctx, "", buyer, hold); err != nil {
		t.Fatalf("Credit(%d): %v", hold, err)
	}
	l, _, err := s.CreateLease(ctx, "", nil, store.Lease{BuyerID: buyer, HoldMicros: hold, FeeBPS: bps})
	if err != nil {
		t.Fatalf("CreateLease(hold %d, fee %d): %v", hold, bps, err)
	}
	return l
}

// checkResult checks one SettleResult given what was charged before it.
func checkResult(t *testing.T, r store.SettleResult, hold, before int64) {
	t.Helper()
	switch {
	case r.ChargedMicros < 0 || r.FeeMicros < 0 || r.FeeMicros > r.ChargedMicros:
		t.Fatalf("result %+v: want 0 <= fee <= charge", r)
	case r.SellerMicros != r.ChargedMicros-r.FeeMicros || r.Applied != (r.ChargedMicros > 0):
		t.Fatalf("result %+v: inconsistent fields", r)
	case before+r.ChargedMicros > hold:
		t.Fatalf("result %+v: charged %d in total, above the hold %d", r, before+r.ChargedMicros, hold)
	case r.Exhausted && before+r.ChargedMicros != hold:
		t.Fatalf("result %+v: exhausted after %d of %d", r, before+r.ChargedMicros, hold)
	}
}

// checkBooks checks balances, usage and the ledger after the receipts,
// then closes the lease and checks that the rest of the hold came back.
func checkBooks(t *testing.T, s *sqlite.Store, buyer, leaseID string, hold, total, fees int64) {
	t.Helper()
	ctx := context.Background()
	if b, err := s.Balance(ctx, buyer); err != nil || b.AvailableMicros != 0 || b.HeldMicros != hold-total {
		t.Fatalf("Balance: got %+v, %v; want held %d", b, err, hold-total)
	}
	us, err := s.Usage(ctx, leaseID)
	if err != nil || len(us) > 1 || (len(us) == 1 && (us[0].ChargedMicros != total || us[0].FeeMicros != fees)) {
		t.Fatalf("Usage: got %+v, %v; want charged %d fee %d", us, err, total, fees)
	}
	if _, err := s.CloseLease(ctx, leaseID, store.LeaseClosed, time.Time{}); err != nil {
		t.Fatalf("CloseLease: %v", err)
	}
	if b, err := s.Balance(ctx, buyer); err != nil || b.AvailableMicros != hold-total || b.HeldMicros != 0 {
		t.Fatalf("Balance after close: got %+v, %v; want available %d", b, err, hold-total)
	}
	c, err := s.CheckLedger(ctx)
	if err != nil || !c.Balanced() {
		t.Fatalf("CheckLedger: got %+v, %v; want balanced", c, err)
	}
}
