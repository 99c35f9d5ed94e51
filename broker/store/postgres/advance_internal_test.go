package postgres

import (
	"math/big"
	"testing"

	"github.com/sparelink/sparelink/broker/store"
)

// statuses are the lease states a fuzzed lease takes.
var statuses = []store.LeaseStatus{store.LeaseActive, store.LeaseExhausted, store.LeaseClosed, store.LeaseExpired}

// reachable folds arbitrary numbers into a state the store can be in:
// 0 <= charged <= hold <= MaxAmountMicros, fees within 0..10000 bps, and a
// pair that has charged no more than its lease and paid no more fee than
// it charged.
func reachable(status uint8, hold, leaseCharged, bps, pairCharged, pairFee int64) (leaseRow, int64, int64) {
	fold := func(v, n int64) int64 { // into 0..n
		if v < 0 {
			v = -(v + 1)
		}
		return v % (n + 1)
	}
	l := leaseRow{Lease: store.Lease{Status: statuses[int(status)%len(statuses)], FeeBPS: fold(bps, store.MaxFeeBPS)}}
	l.HoldMicros = fold(hold, store.MaxAmountMicros-1) + 1
	l.charged = fold(leaseCharged, l.HoldMicros)
	pairCharged = fold(pairCharged, l.charged)
	return l, pairCharged, fold(pairFee, pairCharged)
}

// FuzzAdvance checks the settlement rules on any receipt against any
// reachable state: money only moves forward, never beyond the hold, the
// fee never exceeds the charge, and a capped charge pays the floored fee.
func FuzzAdvance(f *testing.F) {
	f.Add(true, uint8(0), int64(10_007), int64(6_000), int64(333), uint64(1), int64(1), int64(1),
		int64(6_000), int64(1_998), uint64(2), int64(2), int64(2), int64(13_001), int64(4_329))
	f.Fuzz(func(t *testing.T, seen bool, status uint8, hold, leaseCharged, bps int64, seq uint64, up, down,
		pairCharged, pairFee int64, rSeq uint64, rUp, rDown, cum, cumFee int64) {
		l, pc, pf := reachable(status, hold, leaseCharged, bps, pairCharged, pairFee)
		u := usageState{seq: seq, up: up, down: down, charged: pc, fee: pf}
		st := store.Settlement{Seq: rSeq, BytesUp: rUp, BytesDown: rDown, CumChargeMicros: cum, CumFeeMicros: cumFee}
		next, o := advance(l, u, seen, st)
		rem := l.remaining()
		switch {
		case next.up != max(up, rUp) || next.down != max(down, rDown):
			t.Fatalf("bytes: got %d/%d, want the larger of %d/%d and %d/%d", next.up, next.down, up, down, rUp, rDown)
		case seen && rSeq <= seq && (next.seq != seq || o != outcome{}):
			t.Fatalf("stale receipt: got seq %d and %+v, want seq %d and nothing moved", next.seq, o, seq)
		case o.charge < 0 || o.charge > max(rem, 0) || o.fee < 0 || o.fee > o.charge:
			t.Fatalf("outcome %+v out of bounds: remaining hold %d", o, rem)
		case next.charged != pc+o.charge || next.fee != pf+o.fee:
			t.Fatalf("totals: got %d/%d, want %d/%d", next.charged, next.fee, pc+o.charge, pf+o.fee)
		case o.exhausted != (o.charge > 0 && o.charge == rem):
			t.Fatalf("exhausted=%v with charge %d of remaining %d", o.exhausted, o.charge, rem)
		case o.charge > 0 && cum-pc > rem && o.fee != floorFee(rem, l.FeeBPS):
			t.Fatalf("capped fee: got %d, want floor(%d*%d/10000)", o.fee, rem, l.FeeBPS)
		}
	})
}

// floorFee is floor(amount*bps/10000) in arbitrary precision.
func floorFee(amount, bps int64) int64 {
	p := new(big.Int).Mul(big.NewInt(amount), big.NewInt(bps))
	return p.Div(p, big.NewInt(store.MaxFeeBPS)).Int64()
}
