package crashtest

import (
	"context"
	"errors"
	"fmt"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/metering/billing"
)

// books are the sums one audit gathers across buyers.
type books struct {
	charged, fees int64
}

// auditLedger checks the broker's own audit: every transaction sums to
// zero, cached books match their entries, no buyer balance is negative.
func auditLedger(ctx context.Context, admin clients) error {
	c, err := admin.admin.CheckLedger(ctx)
	if err != nil {
		return fmt.Errorf("ledger check: %w", err)
	}
	if !c.Balanced {
		return fmt.Errorf("ledger check: got %+v, want balanced", *c)
	}
	return nil
}

// auditWorker checks one buyer against the worker's record: every
// acknowledged operation is there exactly once, none is there twice, a
// lost one never appeared, and its money adds up. Operations the broker
// died under are resolved from what the audit finds.
func auditWorker(ctx context.Context, c clients, w *worker, sum *books) error {
	credited, err := auditCredits(ctx, c, w)
	if err != nil {
		return err
	}
	charged, err := auditLeases(ctx, c, w, sum)
	if err != nil {
		return err
	}
	w.hand = nil // every kept operation is resolved or resent
	b, err := c.admin.BalanceOf(ctx, w.buyerID)
	if err != nil {
		return fmt.Errorf("balance of %s: %w", w.buyerID, err)
	}
	if b.AvailableMicros < 0 || b.HeldMicros < 0 {
		return fmt.Errorf("buyer %s: got balance %+v, want nothing negative", w.buyerID, *b)
	}
	if got := b.AvailableMicros + b.HeldMicros + charged; got != credited {
		return fmt.Errorf("buyer %s: got available+held+charged = %d, want the %d credited", w.buyerID, got, credited)
	}
	return nil
}

// auditCredits matches the buyer's credit entries with the worker's
// top-ups and returns their sum.
func auditCredits(ctx context.Context, c clients, w *worker) (int64, error) {
	seen := map[int64]string{}
	var sum int64
	for e, err := range c.admin.AllLedger(ctx, w.buyerID, 500) {
		if err != nil {
			return 0, fmt.Errorf("ledger of %s: %w", w.buyerID, err)
		}
		if e.Kind != "credit" {
			continue
		}
		if err := matchCredit(w.book.credits[e.AmountMicros], e, seen); err != nil {
			return 0, fmt.Errorf("worker %d: %w", w.id, err)
		}
		sum += e.AmountMicros
	}
	for amount, op := range w.book.credits {
		if _, ok := seen[amount]; ok {
			continue
		}
		switch op.state {
		case acked:
			return 0, fmt.Errorf("worker %d: acknowledged credit %d (txn %s) missing", w.id, amount, op.txn)
		case pending:
			op.state = lost
		}
	}
	return sum, nil
}

func matchCredit(op *creditOp, e api.LedgerEntry, seen map[int64]string) error {
	switch {
	case op == nil:
		return fmt.Errorf("credit %d (txn %s) was never sent", e.AmountMicros, e.TxnID)
	case seen[e.AmountMicros] != "":
		return fmt.Errorf("credit %s applied twice: txns %s and %s", op.idem, seen[e.AmountMicros], e.TxnID)
	case op.state == lost, op.state == refused:
		return fmt.Errorf("credit %s was %v, yet txn %s applied it", op.idem, op.state, e.TxnID)
	case op.state == acked && op.txn != e.TxnID:
		return fmt.Errorf("credit %s acknowledged as txn %s, ledger has %s", op.idem, op.txn, e.TxnID)
	}
	op.state, op.txn = acked, e.TxnID
	seen[e.AmountMicros] = e.TxnID
	return nil
}

// auditLeases matches the buyer's leases with the worker's and checks
// their settled usage; it returns what they charged.
func auditLeases(ctx context.Context, c clients, w *worker, sum *books) (int64, error) {
	seen := map[int64]bool{}
	var charged int64
	for l, err := range c.buyer.AllLeases(ctx, 500) {
		if err != nil {
			return 0, fmt.Errorf("leases of %s: %w", w.buyerID, err)
		}
		op := w.book.leases[l.MaxBytes]
		if err := matchLease(op, l, seen); err != nil {
			return 0, fmt.Errorf("worker %d: %w", w.id, err)
		}
		u, err := c.buyer.Usage(ctx, l.ID)
		if err != nil {
			return 0, fmt.Errorf("usage of %s: %w", l.ID, err)
		}
		if err := checkUsage(op, l, u); err != nil {
			return 0, fmt.Errorf("worker %d: %w", w.id, err)
		}
		charged += u.ChargedMicros
		sum.charged += u.ChargedMicros
		sum.fees += u.FeeMicros
	}
	for mb, op := range w.book.leases {
		switch {
		case seen[mb]:
		case op.state == acked:
			return 0, fmt.Errorf("worker %d: acknowledged lease %s missing", w.id, op.id)
		case op.state == pending:
			op.state = lost
		}
	}
	return charged, nil
}

func matchLease(op *leaseOp, l api.Lease, seen map[int64]bool) error {
	switch {
	case op == nil:
		return fmt.Errorf("lease %s (max_bytes %d) was never asked for", l.ID, l.MaxBytes)
	case seen[l.MaxBytes]:
		return fmt.Errorf("lease request %s created two leases, the second %s", op.idem, l.ID)
	case op.state == lost, op.state == refused:
		return fmt.Errorf("lease request %s was %v, yet lease %s exists", op.idem, op.state, l.ID)
	case op.state == acked && op.id != l.ID:
		return fmt.Errorf("lease request %s acknowledged as %s, store has %s", op.idem, op.id, l.ID)
	case len(l.Exits) != 1:
		return fmt.Errorf("lease %s: got %d exits, want 1", l.ID, len(l.Exits))
	case op.closed && l.Status == api.LeaseActive:
		return fmt.Errorf("lease %s: close acknowledged, status still %s", l.ID, l.Status)
	}
	if op.state == pending {
		op.state, op.id, op.node, op.hold = acked, l.ID, l.Exits[0].NodeID, l.HoldMicros
	}
	seen[l.MaxBytes] = true
	return nil
}

// errUsage marks settled usage that contradicts acknowledged receipts.
var errUsage = errors.New("settled usage wrong")

func checkUsage(op *leaseOp, l api.Lease, u *api.Usage) error {
	if u.ChargedMicros > l.HoldMicros || u.ChargedMicros < 0 {
		return fmt.Errorf("%w: lease %s charged %d of a %d hold", errUsage, l.ID, u.ChargedMicros, l.HoldMicros)
	}
	for _, e := range u.Exits {
		if most := billing.Charge(e.BytesUp+e.BytesDown, l.PriceMicrosPerGB); e.ChargedMicros > most {
			return fmt.Errorf("%w: lease %s node %s charged %d for %d bytes, which cost %d", errUsage, l.ID, e.NodeID,
				e.ChargedMicros, e.BytesUp+e.BytesDown, most)
		}
	}
	if op.seq == 0 {
		return nil
	}
	for _, e := range u.Exits {
		if e.NodeID != op.node {
			continue
		}
		if e.Seq < op.seq || e.BytesUp < op.up || e.BytesDown < op.down {
			return fmt.Errorf("%w: lease %s: got seq %d, %d/%d bytes; acknowledged seq %d, %d/%d",
				errUsage, l.ID, e.Seq, e.BytesUp, e.BytesDown, op.seq, op.up, op.down)
		}
		return nil
	}
	return fmt.Errorf("%w: lease %s: no usage of node %s after receipt %d was acknowledged", errUsage, l.ID, op.node, op.seq)
}
