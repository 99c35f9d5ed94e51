package exitdial

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/metering/billing"
	"github.com/sparelink/sparelink/metering/receipt"
)

// reportTimeout bounds one report of a rejected receipt.
const reportTimeout = 10 * time.Second

// checkReceipt takes one receipt from the exit: it must name the lease and
// the exit, carry the pinned node key's signature and follow the last
// receipt seen. It returns the receipt countersigned when the buyer's
// count agrees, or nil when there is nothing to send yet.
func (d *Dialer) checkReceipt(r *receipt.Receipt) (*receipt.Receipt, error) {
	b, rc := &d.buyer, d.exit.Receipts
	if r.LeaseID != rc.LeaseID || r.NodeID != d.exit.NodeID {
		b.rejected.Add(1)
		return nil, fmt.Errorf("%w: lease %q node %q", receipt.ErrMismatch, r.LeaseID, r.NodeID)
	}
	if err := r.Verify(d.exit.PublicKey); err != nil {
		b.rejected.Add(1)
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seen != nil && r.Seq == b.seen.Seq && r.Hash() == b.seen.Hash() {
		return nil, nil // the same receipt on another connection's stream
	}
	if err := receipt.CheckNext(b.seen, r); err != nil {
		b.rejected.Add(1)
		return nil, err
	}
	b.seen = r
	b.verified.Add(1)
	if b.pending == nil {
		b.since = time.Now()
	}
	b.pending = r
	return d.settlePending(), nil
}

// settlePending countersigns the pending receipt once the buyer's count
// is within tolerance of it, or rejects it once it has waited the grace
// period. The caller holds b.mu.
func (d *Dialer) settlePending() *receipt.Receipt {
	b, rc := &d.buyer, d.exit.Receipts
	if b.pending == nil {
		return nil
	}
	count := b.count.Totals()
	if _, err := billing.Billable(b.pending.Totals(), count, rc.Tolerance); err == nil {
		cs := b.pending.Clone()
		cs.Countersign(rc.Key)
		b.pending, b.signedR = nil, cs
		b.signed.Add(1)
		return cs
	}
	if time.Since(b.since) < rc.grace() {
		return nil
	}
	rej := b.pending
	b.pending = nil
	b.rejected.Add(1)
	d.receiptLog().Warn("exit receipt above the buyer's count", zap.Uint64("seq", rej.Seq),
		zap.Int64("exit_up", rej.Up), zap.Int64("exit_down", rej.Down),
		zap.Int64("buyer_up", count.Up), zap.Int64("buyer_down", count.Down))
	if rc.Report != nil {
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), reportTimeout)
			defer cancel()
			rc.Report(ctx, rej, count)
		}()
	}
	return nil
}

// retryPending is settlePending for the streams' ticks.
func (d *Dialer) retryPending() *receipt.Receipt {
	d.buyer.mu.Lock()
	defer d.buyer.mu.Unlock()
	return d.settlePending()
}
