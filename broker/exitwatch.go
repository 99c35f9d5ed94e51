package broker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
)

// exitWatch remembers which exits of each active lease were online when
// last looked at, so that changes raise lease_exits_changed once.
type exitWatch struct {
	mu     sync.Mutex
	online map[string]map[string]bool // lease ID → node ID → online
}

func newExitWatch() *exitWatch { return &exitWatch{online: make(map[string]map[string]bool)} }

// swap stores now for a lease and returns what was there before; a lease
// seen for the first time had every exit online, as matching only picks
// online exits.
func (w *exitWatch) swap(l store.Lease, now map[string]bool) map[string]bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	prev, ok := w.online[l.ID]
	if !ok {
		prev = make(map[string]bool, len(l.NodeIDs))
		for _, id := range l.NodeIDs {
			prev[id] = true
		}
	}
	w.online[l.ID] = now
	return prev
}

func (w *exitWatch) forget(id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.online, id)
}

// watchExits checks the exits of the active leases this broker tracks and
// raises lease_exits_changed for each lease whose exits went offline or
// came back since the last look. Sweep calls it.
func (b *Broker) watchExits(ctx context.Context, ids []string) error {
	var errs []error
	for _, id := range ids {
		l, err := b.st.Lease(ctx, id)
		if errors.Is(err, store.ErrNotFound) || (err == nil && l.Status != store.LeaseActive) {
			b.exits.forget(id)
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("watch lease %s: %w", id, err))
			continue
		}
		now, data, err := b.exitStates(ctx, l)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		prev := b.exits.swap(l, now)
		if dead := wentOffline(prev, now); dead > 0 {
			if l, err = b.topUp(ctx, l, now, dead); err != nil {
				errs = append(errs, err)
			}
			if now, data, err = b.exitStates(ctx, l); err != nil {
				errs = append(errs, err)
				continue
			}
			b.exits.swap(l, now)
		}
		if !maps.Equal(prev, now) {
			b.emit(ctx, l.BuyerID, api.EventLeaseExitsChanged, data)
		}
	}
	return errors.Join(errs...)
}

// wentOffline counts the exits online in prev and not in now.
func wentOffline(prev, now map[string]bool) int {
	n := 0
	for id, up := range prev {
		if up && !now[id] {
			n++
		}
	}
	return n
}

// exitStates reads whether each exit of l is online.
func (b *Broker) exitStates(ctx context.Context, l store.Lease) (map[string]bool, api.LeaseExitsChangedData, error) {
	now := make(map[string]bool, len(l.NodeIDs))
	data := api.LeaseExitsChangedData{LeaseID: l.ID, Exits: make([]api.ExitState, 0, len(l.NodeIDs))}
	for _, id := range l.NodeIDs {
		n, err := b.st.Node(ctx, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, data, fmt.Errorf("exit %s of lease %s: %w", id, l.ID, err)
		}
		now[id] = err == nil && b.online(n)
		data.Exits = append(data.Exits, api.ExitState{NodeID: id, Online: now[id]})
	}
	return now, data, nil
}
