package sim

import (
	"context"
	"fmt"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
)

// topUp credits a buyer, sometimes twice with one key through different
// replicas: the second must change nothing.
func (w *world) topUp(ctx context.Context) error {
	b := w.buyers[w.rng.IntN(len(w.buyers))]
	amount := 1_000_000 + w.rng.Int64N(20_000_000)
	key := fmt.Sprintf("topup-%d", w.step)
	first, err := w.via(w.admin).Credit(ctx, key, b.id, amount)
	if err != nil {
		return err
	}
	b.credited += amount
	w.dirty[b] = true
	w.record("top-up buyer %d: %d", b.n, amount)
	if w.rng.IntN(3) > 0 {
		return nil
	}
	again, err := w.via(w.admin).Credit(ctx, key, b.id, amount)
	if err != nil {
		return err
	}
	if again.TxnID != first.TxnID {
		return broken("credit %s repeated: got txn %s, first was %s", key, again.TxnID, first.TxnID)
	}
	return nil
}

// createLease buys coverage in a random country, and sometimes repeats
// the request with its Idempotency-Key through another replica.
func (w *world) createLease(ctx context.Context) error {
	b := w.buyers[w.rng.IntN(len(w.buyers))]
	req := api.LeaseRequest{Coverage: api.Coverage{Country: countries[w.rng.IntN(len(countries))]},
		Exits: 1 + w.rng.IntN(2), MaxBytes: (1 + w.rng.Int64N(16)) * 50_000_000,
		DurationSeconds: 120 + w.rng.Int64N(1800)}
	if w.rng.IntN(8) == 0 {
		req.MaxBytes = (1 + w.rng.Int64N(4)) * 10_000_000_000 // may be more than the buyer has
	}
	key := fmt.Sprintf("lease-%d", w.step)
	l, err := w.via(b.key).CreateLease(ctx, key, req)
	switch {
	case client.IsCode(err, api.CodeInsufficientFunds), client.IsCode(err, api.CodeNoSupply):
		w.res.Refused++
		w.record("lease buyer %d %+v refused: %s", b.n, req, codeOf(err))
		return nil
	case err != nil:
		return err
	}
	if w.rng.IntN(4) == 0 {
		again, err := w.via(b.key).CreateLease(ctx, key, req)
		if err != nil {
			return fmt.Errorf("repeat lease request: %w", err)
		}
		if again.ID != l.ID {
			return broken("lease request %s repeated: got lease %s, first was %s", key, again.ID, l.ID)
		}
	}
	return w.addLease(b, l)
}

func codeOf(err error) string {
	for _, c := range []string{api.CodeInsufficientFunds, api.CodeNoSupply} {
		if client.IsCode(err, c) {
			return c
		}
	}
	return "other"
}

// addLease puts a lease the broker granted into the model.
func (w *world) addLease(b *buyer, l *api.Lease) error {
	sl := &simLease{n: len(w.leases), id: l.ID, buyer: b, price: l.PriceMicrosPerGB, fee: l.FeeBPS,
		hold: l.HoldMicros, expires: l.ExpiresAt, pairs: map[string]*pair{}}
	exits := ""
	for _, e := range l.Exits {
		n := w.nodeByID(e.NodeID)
		if n == nil {
			return broken("lease %s: exit %s is no node the simulation registered", l.ID, e.NodeID)
		}
		sl.pairs[e.NodeID] = &pair{node: n, applied: map[uint64]bool{}, exact: true}
		exits += fmt.Sprintf(" %d", n.n)
	}
	w.leases = append(w.leases, sl)
	b.leases = append(b.leases, sl)
	w.res.Leases++
	w.dirty[b], w.dirtyL[sl] = true, true
	w.record("lease %d buyer %d price %d hold %d exits%s", sl.n, b.n, sl.price, sl.hold, exits)
	return nil
}

func (w *world) nodeByID(id string) *node {
	for _, n := range w.nodes {
		if n.id == id {
			return n
		}
	}
	return nil
}

// closeLease closes a lease the model thinks is still running.
func (w *world) closeLease(ctx context.Context) error {
	l := w.openLease()
	if l == nil {
		return nil
	}
	got, err := w.via(l.buyer.key).CloseLease(ctx, l.id)
	if err != nil {
		return err
	}
	if got.Status == api.LeaseActive {
		return broken("lease %s: closed, yet status %s", l.id, got.Status)
	}
	l.ended = true
	w.res.Closed++
	w.dirty[l.buyer], w.dirtyL[l] = true, true
	w.record("close lease %d: %s", l.n, got.Status)
	return nil
}

// openLease picks a lease the model has not seen end.
func (w *world) openLease() *simLease {
	var open []*simLease
	for _, l := range w.leases {
		if !l.ended {
			open = append(open, l)
		}
	}
	if len(open) == 0 {
		return nil
	}
	return open[w.rng.IntN(len(open))]
}
