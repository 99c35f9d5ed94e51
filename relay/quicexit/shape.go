package quicexit

import (
	"errors"
	"time"
)

const (
	// maxGrant is the most one read may ask for: the size of meter.Pipe's
	// copy buffer.
	maxGrant = 32 << 10
	// minBurst keeps slow leases from reading in uselessly small pieces.
	minBurst = 16 << 10
	// burstTime is how much of its rate a lease, or the node, may send at
	// once after being idle.
	burstTime = 100 * time.Millisecond
)

// errInterrupted ends a read that was waiting for its rate when the tunnel
// or its direction was stopped.
var errInterrupted = errors.New("read interrupted while waiting for its rate")

// byteBurst is the bucket size for a byte rate.
func byteBurst(rate int64) float64 {
	return max(float64(rate)*burstTime.Seconds(), minBurst)
}

// grant is what one read may take: n bytes, reserved from the lease's
// bucket and the node's (either may be nil).
type grant struct {
	n           int
	lease, node *bucket
}

// acquire waits until the tunnel side may read up to want bytes: first for
// the lease's rate, then for the lease's turn at the node's cap. It returns
// early with errInterrupted when stop or intr closes.
//
// The lease's turn admits one reservation per lease at a time to the
// node's bucket, which serves reservations in order; leases therefore take
// turns at the node's rate, however many streams each has open.
func (e *Exit) acquire(b *budget, want int, stop, intr <-chan struct{}) (grant, error) {
	want, err := e.awaitReceipts(b.lease, want, stop, intr) // bounded exposure; see receipt.go
	if err != nil {
		return grant{}, err
	}
	g := grant{n: min(want, maxGrant), lease: b.rate.Load(), node: e.nodeRate.Load()}
	if g.lease == nil && g.node == nil {
		return g, nil
	}
	if g.lease != nil {
		g.n = min(g.n, g.lease.maxBurst())
	}
	if g.node != nil {
		g.n = min(g.n, g.node.maxBurst())
	}
	if g.lease != nil {
		if err := e.wait(g.lease, g.n, stop, intr); err != nil {
			return grant{}, err
		}
	}
	if g.node != nil {
		if err := e.waitTurn(b.turn, g.node, g.n, stop, intr); err != nil {
			if g.lease != nil {
				g.lease.refund(g.n, e.clock.Now())
			}
			return grant{}, err
		}
	}
	return g, nil
}

// release returns what a read did not use of its grant.
func (e *Exit) release(g grant, used int) {
	unused := g.n - max(used, 0)
	if unused <= 0 {
		return
	}
	now := e.clock.Now()
	if g.lease != nil {
		g.lease.refund(unused, now)
	}
	if g.node != nil {
		g.node.refund(unused, now)
	}
}

// waitTurn waits for the lease's turn at the node's bucket, then for the
// bucket, holding the turn until the tokens are due.
func (e *Exit) waitTurn(turn chan struct{}, node *bucket, n int, stop, intr <-chan struct{}) error {
	select {
	case turn <- struct{}{}:
	case <-stop:
		return errInterrupted
	case <-intr:
		return errInterrupted
	}
	defer func() { <-turn }()
	return e.wait(node, n, stop, intr)
}

// wait reserves n tokens of bk and sleeps until they are due. An
// interrupted wait gives its tokens back.
func (e *Exit) wait(bk *bucket, n int, stop, intr <-chan struct{}) error {
	d := bk.reserve(n, e.clock.Now())
	if d <= 0 {
		return nil
	}
	e.stats.shapedWaits.Add(1)
	fired, release := e.clock.Timer(d)
	defer release()
	select {
	case <-fired:
		return nil
	case <-stop:
	case <-intr:
	}
	bk.refund(n, e.clock.Now())
	return errInterrupted
}
