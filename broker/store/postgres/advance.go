package postgres

import (
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

// advance applies store.Advance, the settlement rule every engine shares,
// to this engine's usage row.
func advance(l leaseRow, u usageState, seen bool, st store.Settlement) (usageState, outcome) {
	c, m := store.Advance(l.remaining(), l.FeeBPS,
		store.Cumulative{Seq: u.seq, Up: u.up, Down: u.down, Charged: u.charged, Fee: u.fee}, seen, st)
	next := usageState{seq: c.Seq, up: c.Up, down: c.Down, charged: c.Charged, fee: c.Fee, updatedAt: u.updatedAt}
	return next, outcome{charge: m.Charge, fee: m.Fee, exhausted: m.Exhausted}
}
