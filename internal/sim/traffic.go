package sim

import (
	"context"
	"slices"

	"github.com/sparelink/sparelink/metering/receipt"
)

// maxBatch bounds one upload, well under the broker's limit.
const maxBatch = 20

// traffic moves bytes through one exit of a running lease: the exit
// issues the next cumulative receipt into its outbox.
func (w *world) traffic(ctx context.Context) error {
	l := w.openLease()
	if l == nil {
		return nil
	}
	ids := make([]string, 0, len(l.pairs))
	for id := range l.pairs {
		ids = append(ids, id)
	}
	slices.Sort(ids) // map order is random; the simulation's is not
	p := l.pairs[ids[w.rng.IntN(len(ids))]]
	p.seq++
	p.up += w.rng.Int64N(5_000_000)
	p.down += 1 + w.rng.Int64N(60_000_000)
	r := &receipt.Receipt{LeaseID: l.id, NodeID: p.node.id, Seq: p.seq, Up: p.up, Down: p.down,
		Time: w.now.Add(p.node.skew)}
	r.Sign(p.node.key.Private)
	p.node.outbox = append(p.node.outbox, r)
	w.record("traffic lease %d node %d seq %d %d/%d", l.n, p.node.n, p.seq, p.up, p.down)
	return nil
}

// upload sends the outbox of an online node that has receipts through the faulty network: each
// receipt may be dropped, duplicated, or held back for a later upload,
// and the batch is shuffled.
func (w *world) upload(ctx context.Context) error {
	var ready []*node
	for _, n := range w.nodes {
		if n.online && len(n.outbox) > 0 {
			ready = append(ready, n)
		}
	}
	if len(ready) == 0 {
		return nil
	}
	n := ready[w.rng.IntN(len(ready))]
	var batch, kept []*receipt.Receipt
	for _, r := range n.outbox {
		switch x := w.rng.IntN(100); {
		case len(batch) >= maxBatch || x < w.cfg.ReorderPct:
			kept = append(kept, r)
			w.res.Reordered++
		case x < w.cfg.ReorderPct+w.cfg.DropPct:
			w.res.Dropped++
		case x < w.cfg.ReorderPct+w.cfg.DropPct+w.cfg.DupPct && len(batch) < maxBatch-1:
			batch = append(batch, r, r)
			w.res.Duplicated++
		default:
			batch = append(batch, r)
		}
	}
	n.outbox = kept
	if len(batch) == 0 {
		return nil
	}
	w.rng.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
	return w.submit(ctx, n, batch)
}

// submit uploads a batch and checks each answer against the model.
func (w *world) submit(ctx context.Context, n *node, batch []*receipt.Receipt) error {
	res, err := w.via(n.op.key).SubmitReceipts(ctx, batch)
	if err != nil {
		return err
	}
	if len(res.Results) != len(batch) {
		return broken("upload of %d receipts: got %d results", len(batch), len(res.Results))
	}
	for i, r := range batch {
		if err := w.settled(r, res.Results[i].Applied, res.Results[i].Exhausted, res.Results[i].Error); err != nil {
			return err
		}
	}
	return nil
}

// settled folds one receipt's answer into the model: an effect at most
// once per (lease, node, seq), and only for a receipt above every one
// the broker saw before.
func (w *world) settled(r *receipt.Receipt, applied, exhausted bool, refusal string) error {
	l := w.leaseByID(r.LeaseID)
	p := l.pairs[r.NodeID]
	w.res.Receipts++
	w.record("receipt lease %d node %d seq %d applied=%v exhausted=%v %q", l.n, p.node.n, r.Seq, applied, exhausted, refusal)
	if refusal != "" {
		return broken("receipt %s/%s seq %d refused: %s", r.LeaseID, r.NodeID, r.Seq, refusal)
	}
	if w.mayHaveEnded(l) {
		p.exact = false
	}
	if applied {
		if p.applied[r.Seq] {
			return broken("receipt %s/%s seq %d applied twice", r.LeaseID, r.NodeID, r.Seq)
		}
		if r.Seq <= p.dSeq {
			return broken("receipt %s/%s seq %d applied after seq %d", r.LeaseID, r.NodeID, r.Seq, p.dSeq)
		}
		p.applied[r.Seq] = true
		w.res.Applied++
	} else {
		w.res.Replayed++
	}
	if r.Seq > p.dSeq {
		p.dSeq, p.dUp, p.dDown = r.Seq, r.Up, r.Down
	}
	if exhausted {
		// The charge that used the hold up was capped, and its fee
		// computed on the capped part alone.
		l.ended, p.exact = true, false
		w.res.Exhausted++
	}
	w.dirty[l.buyer], w.dirtyL[l] = true, true
	return nil
}

func (w *world) leaseByID(id string) *simLease {
	for _, l := range w.leases {
		if l.id == id {
			return l
		}
	}
	return nil
}
