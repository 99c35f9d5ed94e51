package store

import "github.com/sparelink/sparelink/metering/billing"

// Cumulative is what a store has settled so far for one (lease, node)
// pair.
type Cumulative struct {
	Seq      uint64
	Up, Down int64
	Charged  int64
	Fee      int64
}

// Movement is the money one receipt moves: Charge from the buyer's hold,
// of which Fee to the broker and the rest to the seller.
type Movement struct {
	Charge, Fee int64
	Exhausted   bool // the lease's hold is used up
}

// Advance applies one settlement to the settled state of its pair and
// returns the new state and the money to move. It is the settlement rule
// every engine shares, kept free of SQL so it can be read and fuzzed on
// its own:
//   - byte counts only rise; a Seq at or below the last one (seen) moves
//     no money;
//   - only the increase of the cumulative charge is charged, and the fee
//     increase never exceeds it;
//   - nothing is charged beyond the lease's remaining hold: a charge that
//     reaches it exhausts the lease, and a capped charge pays the fee
//     rate on what was charged.
func Advance(remaining, feeBPS int64, u Cumulative, seen bool, s Settlement) (Cumulative, Movement) {
	next := u
	next.Up, next.Down = max(u.Up, s.BytesUp), max(u.Down, s.BytesDown)
	stale := seen && s.Seq <= u.Seq
	if !stale {
		next.Seq = s.Seq
	}
	if stale || s.CumChargeMicros <= u.Charged || remaining <= 0 {
		return next, Movement{}
	}
	m := Movement{Charge: s.CumChargeMicros - u.Charged}
	if s.CumFeeMicros > u.Fee {
		m.Fee = min(s.CumFeeMicros-u.Fee, m.Charge)
	}
	if m.Charge >= remaining {
		m.Exhausted = true
		if m.Charge > remaining {
			m.Charge, m.Fee = remaining, billing.Fee(remaining, feeBPS)
		}
	}
	next.Charged += m.Charge
	next.Fee += m.Fee
	return next, m
}
