package exitdial

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// ErrNoExit means no exit of a Pool could carry the connection.
var ErrNoExit = errors.New("no exit available")

// Backoff of an exit after consecutive transport failures: 1s, 2s, 4s, …
// up to 30s.
const (
	minBackoff = time.Second
	maxBackoff = 30 * time.Second
)

// Pool spreads connections over several exits round-robin. An exit that
// fails at the transport level is skipped, with growing backoff, until its
// next successful connection; refusals by an exit (*ProxyError) are
// returned as they are. Watch adds active health checks, so that an exit
// that dies is skipped within a second or two even when nothing dials it.
// It is safe for concurrent use.
type Pool struct {
	log     *zap.Logger
	members atomic.Pointer[[]*member] // replaced whole by Update
	next    atomic.Uint64
	closed  atomic.Bool
	now     func() time.Time

	updateMu sync.Mutex // serialises Update and Close
	retired  []*member  // removed by Update; closed by Close
	receipts *Receipts  // given by UseReceipts to exits Update adds; guarded by updateMu
}

// member is one exit of a pool with its health.
type member struct {
	d *Dialer

	mu        sync.Mutex
	failures  int
	downUntil time.Time
	used      bool
	health    health
}

// NewPool returns a pool over exits, in the given rotation order.
func NewPool(exits []Exit, log *zap.Logger) *Pool {
	if log == nil {
		log = zap.NewNop()
	}
	p := &Pool{log: log.Named("exitpool"), now: time.Now}
	var members []*member
	for _, e := range exits {
		members = append(members, newMember(New(e, log)))
	}
	p.members.Store(&members)
	return p
}

func (p *Pool) list() []*member { return *p.members.Load() }

// DialContext opens a connection to address through the next exit in
// rotation, moving on to the following exits when one cannot be reached.
// When every exit is backing off it still tries the one due soonest.
// network "udp" (or "udp4", "udp6") opens a UDP flow as DialUDP does.
func (p *Pool) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if p.closed.Load() {
		return nil, ErrClosed
	}
	if isUDP(network) {
		return p.dialUDPConn(ctx, address)
	}
	if err := checkTarget(network, address); err != nil {
		return nil, err
	}
	members := p.list()
	n := len(members)
	if n == 0 {
		return nil, fmt.Errorf("%w: pool is empty", ErrNoExit)
	}
	start := int((p.next.Add(1) - 1) % uint64(n))
	var errs []error
	for i := range n {
		m := members[(start+i)%n]
		if m.down(p.now()) {
			continue
		}
		c, err := p.try(ctx, m, network, address)
		if err == nil || !errors.Is(err, ErrExitUnavailable) {
			return c, err
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		c, err := p.try(ctx, soonest(members), network, address)
		if err == nil || !errors.Is(err, ErrExitUnavailable) {
			return c, err
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("%w: %w", ErrNoExit, errors.Join(errs...))
}

// try dials through m and records the outcome of the attempt. A health
// check that finds m dead meanwhile aborts the attempt.
func (p *Pool) try(ctx context.Context, m *member, network, address string) (net.Conn, error) {
	dctx, stop := m.watchLoss(ctx)
	c, err := m.d.DialContext(dctx, network, address)
	err = stop(err)
	switch {
	case err == nil:
		m.succeeded()
	case errors.Is(err, ErrExitUnavailable) && ctx.Err() == nil:
		wait := m.failed(p.now())
		p.log.Warn("exit unavailable, backing off", zap.String("exit", m.d.exit.NodeID),
			zap.Duration("backoff", wait), zap.Error(err))
	}
	return c, err
}

// soonest returns the member whose backoff ends first.
func soonest(members []*member) *member {
	best := members[0]
	for _, m := range members[1:] {
		if m.until().Before(best.until()) {
			best = m
		}
	}
	return best
}

// Used returns the node IDs of the exits that carried at least one
// connection, in pool order.
func (p *Pool) Used() []string {
	var ids []string
	for _, m := range p.list() {
		m.mu.Lock()
		if m.used {
			ids = append(ids, m.d.exit.NodeID)
		}
		m.mu.Unlock()
	}
	return ids
}

// Close closes every exit's dialer. It is idempotent.
func (p *Pool) Close() error {
	p.updateMu.Lock()
	defer p.updateMu.Unlock()
	p.closed.Store(true)
	var errs []error
	for _, m := range append(p.list(), p.retired...) {
		errs = append(errs, m.d.Close())
	}
	p.retired = nil
	return errors.Join(errs...)
}

// down reports whether m is skipped: backing off, or found dead by a
// health check.
func (m *member) down(now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.health.dead || now.Before(m.downUntil)
}

func (m *member) until() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.downUntil
}

func (m *member) succeeded() {
	m.mu.Lock()
	m.used, m.failures, m.downUntil = true, 0, time.Time{}
	m.health.misses = 0
	m.reviveLocked()
	m.mu.Unlock()
}

// failed marks m down and returns for how long.
func (m *member) failed(now time.Time) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	wait := min(minBackoff<<min(m.failures, 5), maxBackoff)
	m.failures++
	m.downUntil = now.Add(wait)
	return wait
}
