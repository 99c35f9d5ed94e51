package wgexit

import (
	"context"
	"math"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/sparelink/sparelink/metering/meter"
)

const (
	// minBurst keeps slow leases from moving data in uselessly small
	// pieces.
	minBurst = 16 << 10
	// burstTime is how much of its rate a lease may send at once after
	// being idle.
	burstTime = 100 * time.Millisecond
)

// lease is what the exit keeps for one lease while it has peers: its
// meter counter, byte cap, rate and open flows.
type lease struct {
	id      string
	counter *meter.Counter
	used    atomic.Int64 // bytes reserved against maxBytes, seeded from the meter
	max     atomic.Int64 // 0: no cap
	limiter atomic.Pointer[rate.Limiter]
	capped  atomic.Bool     // the cap was reached and the lease is being removed
	ctx     context.Context // cancelled when the lease is removed
	cancel  context.CancelFunc
	peers   map[[32]byte]struct{} // guarded by Exit.mu

	mu    sync.Mutex
	flows map[*flow]struct{}
}

// newLease starts a lease whose cap counts what the meter already holds.
func newLease(id string, m *meter.Meter) *lease {
	l := &lease{id: id, counter: m.Lease(id), peers: make(map[[32]byte]struct{}), flows: make(map[*flow]struct{})}
	l.used.Store(l.counter.Totals().Sum())
	l.ctx, l.cancel = context.WithCancel(context.Background())
	return l
}

// configure sets the lease's rate (bytes per second, 0 unlimited) and
// byte cap (0 none).
func (l *lease) configure(rateBps, maxBytes int64) {
	l.max.Store(maxBytes)
	if rateBps <= 0 {
		l.limiter.Store(nil)
		return
	}
	burst := max(float64(rateBps)*burstTime.Seconds(), minBurst)
	l.limiter.Store(rate.NewLimiter(rate.Limit(rateBps), int(min(burst, math.MaxInt32))))
}

// take reserves up to n bytes below the cap and returns how many it got.
func (l *lease) take(n int) int {
	limit := l.max.Load()
	if limit <= 0 {
		return n
	}
	for {
		used := l.used.Load()
		grant := min(int64(n), limit-used)
		if grant <= 0 {
			return 0
		}
		if l.used.CompareAndSwap(used, used+grant) {
			return int(grant)
		}
	}
}

// exhausted reports whether the cap is set and used up.
func (l *lease) exhausted() bool {
	limit := l.max.Load()
	return limit > 0 && l.used.Load() >= limit
}

// wait blocks until the lease's rate admits n bytes; with no rate it
// returns at once. It fails when ctx ends first.
func (l *lease) wait(ctx context.Context, n int) error {
	lim := l.limiter.Load()
	if lim == nil {
		return nil
	}
	for n > 0 {
		step := min(n, lim.Burst())
		if err := lim.WaitN(ctx, step); err != nil {
			return err
		}
		n -= step
	}
	return nil
}

// addFlow registers f unless the lease is gone or has max flows open.
func (l *lease) addFlow(f *flow, limit int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ctx.Err() != nil || l.exhausted() || len(l.flows) >= limit {
		return false
	}
	l.flows[f] = struct{}{}
	return true
}

// dropFlow forgets f.
func (l *lease) dropFlow(f *flow) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.flows, f)
}

// closeFlows closes the flows from any of the addresses in src, or every
// flow when src is nil.
func (l *lease) closeFlows(src []netip.Addr) {
	l.mu.Lock()
	var victims []*flow
	for f := range l.flows {
		if src == nil || f.src == src[0] || (len(src) > 1 && f.src == src[1]) {
			victims = append(victims, f)
		}
	}
	l.mu.Unlock()
	for _, f := range victims {
		f.close()
	}
}
