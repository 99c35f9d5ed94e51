package quicexit

import "sync/atomic"

// budget is what the exit keeps per lease while the lease has requests in
// flight: the bytes it has used across tunnels (reserved before each
// write, so that concurrent tunnels together never exceed the byte cap),
// its rate bucket and its open streams. It is dropped when the last
// request ends; the meter then holds the same count.
type budget struct {
	lease string
	used  atomic.Int64
	rate  atomic.Pointer[bucket] // the lease's rate; nil is unlimited
	// turn lets one tunnel of the lease at a time wait for the node's cap,
	// so that leases take turns there whatever their number of streams.
	turn chan struct{}

	refs    int // tunnels and requests holding it; guarded by Exit.mu
	streams int // admitted requests; guarded by Exit.mu
}

// take reserves up to n bytes below limit and returns how many it got.
func (b *budget) take(n int, limit int64) int {
	for {
		used := b.used.Load()
		grant := min(int64(n), limit-used)
		if grant <= 0 {
			return 0
		}
		if b.used.CompareAndSwap(used, used+grant) {
			return int(grant)
		}
	}
}

// acquireBudget returns the lease's budget, seeding a new one from what the
// meter has already counted for the lease.
func (e *Exit) acquireBudget(leaseID string) *budget {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, ok := e.budgets[leaseID]
	if !ok {
		b = &budget{lease: leaseID, turn: make(chan struct{}, 1)}
		b.used.Store(e.cfg.Meter.Lease(leaseID).Totals().Sum())
		e.budgets[leaseID] = b
	}
	b.refs++
	return b
}

// releaseBudget drops the budget once no request of the lease needs it.
func (e *Exit) releaseBudget(leaseID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if b := e.budgets[leaseID]; b != nil {
		if b.refs--; b.refs <= 0 {
			delete(e.budgets, leaseID)
		}
	}
}
