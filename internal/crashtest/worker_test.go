package crashtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/metering/receipt"
)

// errDead ends a worker's round: the broker was killed under it.
var errDead = errors.New("broker killed")

// worker drives one buyer's share of the workload. Each worker owns its
// buyer and leases, so its record is exact without locks.
type worker struct {
	id      int
	rng     *rand.Rand
	book    *ledgerBook
	buyerID string
	key     string
	opKey   string
	nodes   map[string]identity.Key
	// hand is the operation sent when the broker died, if any.
	hand *op
	// ops counts acknowledged operations by kind.
	ops [4]int
}

// clients are one round's SDK clients of a worker.
type clients struct {
	admin, buyer, op *client.Client
}

// round runs operations until the broker dies (dead is set before the
// kill) or ctx ends.
func (w *worker) round(ctx context.Context, c clients, dead *atomic.Bool) error {
	if w.hand != nil && w.hand.kind == opReceipt || w.hand != nil && w.hand.kind == opClose {
		if err := w.do(ctx, c, *w.hand, dead); err != nil {
			return err
		}
	}
	w.hand = nil
	for ctx.Err() == nil && !dead.Load() {
		if err := w.do(ctx, c, w.pick(), dead); err != nil {
			return err
		}
	}
	return nil
}

// pick chooses the next operation: top-ups and leases keep supply of
// money and leases up, receipts and closes use them.
func (w *worker) pick() op {
	l := w.book.openLease(w.rng)
	x := w.rng.IntN(100)
	switch {
	case l == nil && x < 30, x < 15:
		return op{kind: opCredit, credit: w.book.nextCredit(w.rng)}
	case l == nil, x < 35:
		return op{kind: opLease, lease: w.book.nextLease(w.rng)}
	case x < 90:
		w.nextReceipt(l)
		return op{kind: opReceipt, lease: l}
	}
	return op{kind: opClose, lease: l}
}

// nextReceipt signs the lease's next cumulative receipt.
func (w *worker) nextReceipt(l *leaseOp) {
	k := w.nodes[l.node]
	r := &receipt.Receipt{LeaseID: l.id, NodeID: l.node, Seq: l.seq + 1,
		Up: l.up + w.rng.Int64N(20_000_000), Down: l.down + 1 + w.rng.Int64N(200_000_000),
		Time: time.Unix(1_700_000_000, 0).Add(time.Duration(l.seq+1) * time.Second)}
	r.Sign(k.Private)
	l.next = r
}

// do sends o until it gets an answer, or keeps it in hand when the broker
// dies under it.
func (w *worker) do(ctx context.Context, c clients, o op, dead *atomic.Bool) error {
	for attempt := 0; ; attempt++ {
		err := w.send(ctx, c, o)
		if err == nil {
			w.ops[o.kind]++
			return nil
		}
		if dead.Load() || ctx.Err() != nil {
			w.hand = &o
			return errDead
		}
		var pe *client.Error
		if errors.As(err, &pe) && pe.Status < 500 || attempt >= 50 {
			return fmt.Errorf("worker %d: %v: %w", w.id, o, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// send makes one attempt at o and records an answer.
func (w *worker) send(ctx context.Context, c clients, o op) error {
	switch o.kind {
	case opCredit:
		cr, err := c.admin.Credit(ctx, o.credit.idem, w.buyerID, o.credit.amount)
		if err == nil {
			o.credit.state, o.credit.txn = acked, cr.TxnID
		}
		return err
	case opLease:
		return w.lease(ctx, c, o.lease)
	case opReceipt:
		return w.receipt(ctx, c, o.lease)
	}
	o.lease.closing = true
	l, err := c.buyer.CloseLease(ctx, o.lease.id)
	if err == nil {
		o.lease.closed = true
		if l.Status != api.LeaseClosed && l.Status != api.LeaseExhausted {
			return fmt.Errorf("close %s: got status %s, want closed or exhausted", l.ID, l.Status)
		}
	}
	return err
}

func (w *worker) lease(ctx context.Context, c clients, l *leaseOp) error {
	req := api.LeaseRequest{Coverage: api.Coverage{Country: "DE"}, MaxBytes: l.maxBytes}
	got, err := c.buyer.CreateLease(ctx, l.idem, req)
	switch {
	case client.IsCode(err, api.CodeInsufficientFunds):
		l.state = refused
		return nil
	case err != nil:
		return err
	case len(got.Exits) != 1:
		return fmt.Errorf("lease %s: got %d exits, want 1", got.ID, len(got.Exits))
	}
	l.state, l.id, l.node, l.hold = acked, got.ID, got.Exits[0].NodeID, got.HoldMicros
	return nil
}

func (w *worker) receipt(ctx context.Context, c clients, l *leaseOp) error {
	res, err := c.op.SubmitReceipts(ctx, []*receipt.Receipt{l.next})
	if err != nil {
		return err
	}
	if len(res.Results) != 1 || res.Results[0].Error != "" {
		return fmt.Errorf("receipt %s seq %d: got %+v, want one settled result", l.id, l.next.Seq, res.Results)
	}
	l.seq, l.up, l.down = l.next.Seq, l.next.Up, l.next.Down
	l.exhausted = l.exhausted || res.Results[0].Exhausted
	return nil
}
