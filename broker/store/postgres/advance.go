package postgres

import (
	"math/bits"

	"github.com/sparelink/sparelink/broker/store"
)

// usageState is the settled state of one (lease, node) pair.
type usageState struct {
	seq       uint64
	up, down  int64
	charged   int64
	fee       int64
	updatedAt int64
}

// outcome is the money one receipt moves.
type outcome struct {
	charge, fee int64
	exhausted   bool
}

// advance computes the usage state after receipt st and the money it moves.
// It is pure, so the rules can be read (and fuzzed) apart from SQL; they
// are the SQLite store's, rule for rule.
func advance(l leaseRow, u usageState, seen bool, st store.Settlement) (usageState, outcome) {
	next := u
	next.up, next.down = max(u.up, st.BytesUp), max(u.down, st.BytesDown)
	stale := seen && st.Seq <= u.seq
	if !stale {
		next.seq = st.Seq
	}
	rem := l.remaining()
	if stale || st.CumChargeMicros <= u.charged || rem <= 0 {
		return next, outcome{}
	}
	o := outcome{charge: st.CumChargeMicros - u.charged}
	if st.CumFeeMicros > u.fee {
		o.fee = min(st.CumFeeMicros-u.fee, o.charge)
	}
	if o.charge >= rem {
		o.exhausted = true
		if o.charge > rem {
			o.charge, o.fee = rem, scaleFee(rem, l.FeeBPS)
		}
	}
	next.charged += o.charge
	next.fee += o.fee
	return next, o
}

// scaleFee is floor(amount*bps/10000) without overflow, for 0 <= bps <=
// 10000 (out-of-range rates are clamped) and amount >= 0.
func scaleFee(amount, bps int64) int64 {
	bps = min(max(bps, 0), maxFeeBPS)
	if amount <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(amount), uint64(bps))
	q, _ := bits.Div64(hi, lo, maxFeeBPS)
	return int64(q)
}
