package quicexit

import (
	"net/http"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/internal/lease"
)

// counters are the exit's running counts; Stats reads them.
type counters struct {
	shapedWaits    atomic.Int64
	refusedStreams atomic.Int64
	retries        atomic.Int64
	validated      atomic.Int64
	receiptCounters
}

// Stats are counts since the exit started, for an operator's metrics.
type Stats struct {
	// ActiveTunnels is how many tunnels are open now.
	ActiveTunnels int
	// ShapedWaits counts the times a tunnel waited before reading because
	// its lease's rate or the node's cap was used up.
	ShapedWaits int64
	// RefusedStreams counts requests refused because their lease had
	// MaxStreamsPerLease tunnels open.
	RefusedStreams int64
	// Retries counts the QUIC Retry packets the exit sent to make
	// connection attempts prove their source address; an attempt whose
	// first flight spans two packets gets two.
	Retries int64
	// ValidatedHandshakes counts connections whose source address was
	// proven by a Retry or by a token from an earlier connection.
	ValidatedHandshakes int64
	// Receipts counts the receipt streams' work; see ReceiptStats.
	Receipts ReceiptStats
}

// Stats returns the exit's counts.
func (e *Exit) Stats() Stats {
	return Stats{
		ActiveTunnels:       e.ActiveTunnels(),
		ShapedWaits:         e.stats.shapedWaits.Load(),
		RefusedStreams:      e.stats.refusedStreams.Load(),
		Retries:             e.stats.retries.Load(),
		ValidatedHandshakes: e.stats.validated.Load(),
		Receipts:            e.stats.receiptStats(),
	}
}

// SetMaxRate changes the exit's total rate, in bytes per second over all
// leases and both directions; zero or less removes the cap. An agent calls
// it when its owner's cap changes; tunnels follow from their next read.
func (e *Exit) SetMaxRate(bps int64) {
	e.rateMu.Lock()
	defer e.rateMu.Unlock()
	setRate(&e.nodeRate, bps, e.clock.Now())
}

// admit takes a stream slot of the lease for a new request and applies the
// lease's byte cap, stream limit and rate. When the request may not
// proceed it writes the rejection and returns false; otherwise the caller
// must call leave once the request is over.
func (e *Exit) admit(w http.ResponseWriter, c lease.Claims) (*budget, bool) {
	b := e.acquireBudget(c.LeaseID)
	if c.ByteCap > 0 && b.used.Load() >= c.ByteCap {
		e.releaseBudget(c.LeaseID)
		reject(w, http.StatusForbidden, "http_request_denied", "lease byte cap reached")
		return nil, false
	}
	if !e.admitReceipts(w, c) { // bounded exposure; see receipt.go
		e.releaseBudget(c.LeaseID)
		return nil, false
	}
	if !e.takeStream(b) {
		e.releaseBudget(c.LeaseID)
		e.stats.refusedStreams.Add(1)
		e.log.Debug("stream limit reached", zap.String("lease", c.LeaseID))
		reject(w, http.StatusTooManyRequests, "connection_limit_reached", "too many open streams for this lease")
		return nil, false
	}
	e.setLeaseRate(b, c.RateBps)
	return b, true
}

// leave gives back the stream slot and the budget reference admit took.
func (e *Exit) leave(b *budget) {
	e.mu.Lock()
	b.streams--
	e.mu.Unlock()
	e.releaseBudget(b.lease)
}

// takeStream counts one more open stream for the lease unless it is at
// its limit.
func (e *Exit) takeStream(b *budget) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if b.streams >= e.cfg.MaxStreamsPerLease {
		return false
	}
	b.streams++
	return true
}

// setLeaseRate applies the rate of the lease's latest token. Every token
// of a lease normally carries the same rate; a changed rate applies to the
// lease's open tunnels too.
func (e *Exit) setLeaseRate(b *budget, bps int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	setRate(&b.rate, bps, e.clock.Now())
}

// setRate points p at a bucket for bps bytes per second, or at nil for no
// limit, keeping the tokens of the bucket it already has. Callers
// serialise calls for the same p.
func setRate(p *atomic.Pointer[bucket], bps int64, now time.Time) {
	cur := p.Load()
	switch {
	case bps <= 0:
		p.Store(nil)
	case cur == nil:
		p.Store(newBucket(float64(bps), byteBurst(bps), now))
	default:
		cur.setRate(float64(bps), byteBurst(bps), now)
	}
}
