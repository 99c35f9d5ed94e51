// Package meter counts the payload bytes of every lease, per direction, on
// either side of an exit. It knows nothing of prices or receipts: it only
// counts, cheaply and concurrently.
//
// Directions are named from the buyer's point of view: Up is what the buyer
// sends towards destinations, Down is what destinations send back.
package meter

import (
	"sort"
	"sync"
	"sync/atomic"
)

// Counter holds the cumulative byte counts of one lease. It is safe for
// concurrent use.
type Counter struct {
	up   atomic.Int64
	down atomic.Int64
}

// AddUp counts n bytes sent by the buyer towards a destination.
func (c *Counter) AddUp(n int64) { c.up.Add(n) }

// AddDown counts n bytes received from a destination for the buyer.
func (c *Counter) AddDown(n int64) { c.down.Add(n) }

// Totals returns the cumulative counts.
func (c *Counter) Totals() Totals {
	return Totals{Up: c.up.Load(), Down: c.down.Load()}
}

// Totals are cumulative byte counts of one lease.
type Totals struct {
	Up   int64
	Down int64
}

// Sum is Up + Down, the bytes a lease is billed for.
func (t Totals) Sum() int64 { return t.Up + t.Down }

// Meter keeps one Counter per lease. The zero value is ready to use.
type Meter struct {
	mu     sync.Mutex
	leases map[string]*Counter
}

// Lease returns the counter of lease id, creating it on first use.
func (m *Meter) Lease(id string) *Counter {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.leases == nil {
		m.leases = make(map[string]*Counter)
	}
	c, ok := m.leases[id]
	if !ok {
		c = new(Counter)
		m.leases[id] = c
	}
	return c
}

// Snapshot returns the totals of every lease seen so far.
func (m *Meter) Snapshot() map[string]Totals {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]Totals, len(m.leases))
	for id, c := range m.leases {
		out[id] = c.Totals()
	}
	return out
}

// LeaseIDs returns the IDs of every lease seen so far, sorted.
func (m *Meter) LeaseIDs() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := make([]string, 0, len(m.leases))
	for id := range m.leases {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Forget drops a lease's counter, for leases that are settled and closed.
func (m *Meter) Forget(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.leases, id)
}
