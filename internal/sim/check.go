package sim

import (
	"context"
	"sort"

	"github.com/sparelink/sparelink/metering/billing"
)

// checkTouched checks the leases and buyers the last step touched.
func (w *world) checkTouched(ctx context.Context) error {
	for _, l := range sortedLeases(w.dirtyL) {
		if _, err := w.checkLease(ctx, l); err != nil {
			return err
		}
	}
	for _, b := range sortedBuyers(w.dirty) {
		if err := w.checkBuyer(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

// audit checks the whole ledger, every buyer and every operator.
func (w *world) audit(ctx context.Context) error {
	c, err := w.st.CheckLedger(ctx)
	if err != nil {
		return err
	}
	if !c.Balanced() {
		return broken("ledger check: %+v", c)
	}
	for _, b := range w.buyers {
		if err := w.checkBuyer(ctx, b); err != nil {
			return err
		}
	}
	return w.checkOperators(ctx)
}

// checkLease compares the store's settled usage of l with what its exits
// issued and what reached the broker, and returns what l charged and the
// seller's part by operator.
func (w *world) checkLease(ctx context.Context, l *simLease) (charged int64, err error) {
	rows, err := w.st.Usage(ctx, l.id)
	if err != nil {
		return 0, err
	}
	for _, u := range rows {
		p := l.pairs[u.NodeID]
		switch {
		case p == nil:
			return 0, broken("lease %s: usage of node %s, which is not its exit", l.id, u.NodeID)
		case u.Seq != p.dSeq || u.BytesUp != p.dUp || u.BytesDown != p.dDown:
			return 0, broken("lease %s node %s: settled seq %d, %d/%d bytes; highest delivered seq %d, %d/%d",
				l.id, u.NodeID, u.Seq, u.BytesUp, u.BytesDown, p.dSeq, p.dUp, p.dDown)
		case u.BytesUp > p.up || u.BytesDown > p.down:
			return 0, broken("lease %s node %s: settled %d/%d bytes, the exit only reported %d/%d",
				l.id, u.NodeID, u.BytesUp, u.BytesDown, p.up, p.down)
		case u.FeeMicros != billing.Fee(u.ChargedMicros, l.fee) && p.exact:
			return 0, broken("lease %s node %s: fee %d of charge %d at %d bps", l.id, u.NodeID, u.FeeMicros, u.ChargedMicros, l.fee)
		case p.exact && u.ChargedMicros != billing.Charge(u.BytesUp+u.BytesDown, l.price):
			return 0, broken("lease %s node %s: charged %d for %d bytes at %d per GB on an active lease",
				l.id, u.NodeID, u.ChargedMicros, u.BytesUp+u.BytesDown, l.price)
		case u.ChargedMicros > billing.Charge(u.BytesUp+u.BytesDown, l.price):
			return 0, broken("lease %s node %s: charged %d, more than %d bytes cost", l.id, u.NodeID, u.ChargedMicros, u.BytesUp+u.BytesDown)
		}
		charged += u.ChargedMicros
	}
	if charged > l.hold {
		return 0, broken("lease %s: charged %d, beyond its hold of %d", l.id, charged, l.hold)
	}
	return charged, nil
}

// checkBuyer checks that a buyer's money adds up: what it holds and has
// available, plus what its leases were charged, is what it was credited.
func (w *world) checkBuyer(ctx context.Context, b *buyer) error {
	bal, err := w.st.Balance(ctx, b.id)
	if err != nil {
		return err
	}
	if bal.AvailableMicros < 0 || bal.HeldMicros < 0 {
		return broken("buyer %s: negative balance %+v", b.id, bal)
	}
	var charged, held int64
	for _, l := range b.leases {
		c, err := w.checkLease(ctx, l)
		if err != nil {
			return err
		}
		charged += c
		held += l.hold
	}
	if got := bal.AvailableMicros + bal.HeldMicros + charged; got != b.credited {
		return broken("buyer %s: available %d + held %d + charged %d = %d, credited %d",
			b.id, bal.AvailableMicros, bal.HeldMicros, charged, got, b.credited)
	}
	if bal.HeldMicros > held-charged {
		return broken("buyer %s: %d held, more than its leases' holds %d less charges %d", b.id, bal.HeldMicros, held, charged)
	}
	return nil
}

// checkOperators checks every operator's earnings against the usage of
// its nodes: the charges less the broker's fee.
func (w *world) checkOperators(ctx context.Context) error {
	want := map[string]int64{}
	for _, l := range w.leases {
		rows, err := w.st.Usage(ctx, l.id)
		if err != nil {
			return err
		}
		for _, u := range rows {
			want[l.pairs[u.NodeID].node.op.id] += u.ChargedMicros - u.FeeMicros
		}
	}
	for _, op := range w.operators {
		bal, err := w.st.Balance(ctx, op.id)
		if err != nil {
			return err
		}
		if bal.EarnedMicros != want[op.id] {
			return broken("operator %s: earned %d, its nodes' settled usage pays %d", op.id, bal.EarnedMicros, want[op.id])
		}
	}
	return nil
}

func sortedLeases(m map[*simLease]bool) []*simLease {
	out := make([]*simLease, 0, len(m))
	for l := range m {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].n < out[j].n })
	return out
}

func sortedBuyers(m map[*buyer]bool) []*buyer {
	out := make([]*buyer, 0, len(m))
	for b := range m {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].n < out[j].n })
	return out
}
