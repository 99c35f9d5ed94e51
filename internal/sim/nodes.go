package sim

import (
	"context"
	"fmt"
	"time"

	"github.com/sparelink/sparelink/broker/api"
)

// beatEvery is how often an online node heartbeats, as agents do.
const beatEvery = 10 * time.Second

// heartbeats sends the heartbeats that are due: every online node
// reports its spare capacity every beatEvery of simulated time.
func (w *world) heartbeats(ctx context.Context) error {
	for _, n := range w.nodes {
		if !n.online || w.now.Sub(n.beat) < beatEvery {
			continue
		}
		if _, err := w.via(n.op.key).Heartbeat(ctx, n.id, api.HeartbeatRequest{SpareBps: 1 << 20}); err != nil {
			return fmt.Errorf("heartbeat of node %d: %w", n.n, err)
		}
		n.beat = w.now
	}
	return nil
}

// churn takes a node down (it stops heartbeats and uploads) or brings
// one back.
func (w *world) churn(ctx context.Context) error {
	n := w.nodes[w.rng.IntN(len(w.nodes))]
	n.online = !n.online
	n.beat = time.Time{} // a node that comes back reports at once
	w.res.Churned++
	w.record("node %d online=%v", n.n, n.online)
	return nil
}

// sweep runs every replica's expiry sweep, as their timers would.
func (w *world) sweep(ctx context.Context) error {
	for _, b := range w.brokers {
		if err := b.Sweep(ctx); err != nil {
			return err
		}
	}
	for _, l := range w.leases {
		if !l.ended && !w.now.Add(-w.cfg.ReplicaSkew).Before(l.expires) {
			l.ended = true
			w.dirty[l.buyer], w.dirtyL[l] = true, true
		}
	}
	w.record("sweep")
	return nil
}

// mayHaveEnded reports whether some replica may already treat l as
// expired.
func (w *world) mayHaveEnded(l *simLease) bool {
	return l.ended || !w.now.Add(w.cfg.ReplicaSkew+time.Second).Before(l.expires)
}
