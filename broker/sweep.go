package broker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/store"
)

// Sweep closes, as expired, every active lease this broker has seen whose
// time is up, releasing the rest of its hold, raises lease_exits_changed
// for the others whose exits went offline or came back, and forgets
// idempotent answers older than Config.IdempotencyTTL. The daemon calls it every few
// seconds; reads close expired leases too, so a lease created by another
// broker replica is closed at the latest when it is next read.
func (b *Broker) Sweep(ctx context.Context) error {
	var errs []error
	if _, err := b.st.PruneIdempotency(ctx, b.now().Add(-b.cfg.IdempotencyTTL)); err != nil {
		errs = append(errs, err)
	}
	closed := 0
	for _, id := range b.expiry.due(b.now()) {
		now := b.now()
		l, err := b.st.CloseLease(ctx, id, store.LeaseExpired, now)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			errs = append(errs, fmt.Errorf("expire lease %s: %w", id, err))
			continue
		}
		b.expiry.remove(id)
		if err == nil && l.Status == store.LeaseExpired && l.ClosedAt.Equal(now) {
			b.ended(ctx, l) // this sweep expired it
		}
		closed++
	}
	if closed > 0 {
		b.log.Debug("swept expired leases", zap.Int("closed", closed))
	}
	if err := b.watchExits(ctx, b.expiry.ids()); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// expiries tracks when known active leases end.
type expiries struct {
	mu sync.Mutex
	m  map[string]time.Time
}

func newExpiries() *expiries { return &expiries{m: make(map[string]time.Time)} }

func (e *expiries) add(id string, at time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.m[id] = at
}

func (e *expiries) remove(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.m, id)
}

// ids returns every tracked lease.
func (e *expiries) ids() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Collect(maps.Keys(e.m))
}

// due returns the leases whose expiry is at or before now.
func (e *expiries) due(now time.Time) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var ids []string
	for id, at := range e.m {
		if !now.Before(at) {
			ids = append(ids, id)
		}
	}
	return ids
}
