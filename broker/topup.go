package broker

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
)

// Top-ups: when an exit of an active lease goes offline, the broker adds
// a replacement from the same coverage, at no more than the lease's
// price, preferring an operator and a network (ASN) that none of the
// lease's live exits uses, so one more outage does not take both. The
// dead exit stays on the lease: it may come back, and its receipts still
// settle. A lease holds at most twice the most exits a request may ask
// for, so a flapping exit cannot grow it without bound.

// maxLeaseExits bounds a lease's exits, replacements included.
const maxLeaseExits = 2 * maxExits

// topUp adds one replacement for each of l's exits in dead and returns
// the lease as stored afterwards.
func (b *Broker) topUp(ctx context.Context, l store.Lease, online map[string]bool, dead int) (store.Lease, error) {
	for range dead {
		n, ok, err := b.replacement(ctx, l, online)
		if err != nil || !ok {
			return l, err
		}
		added, err := b.st.AddLeaseExit(ctx, l.ID, n.ID, maxLeaseExits)
		if errors.Is(err, store.ErrConflict) {
			return l, nil // ended, or full
		}
		if err != nil {
			return l, fmt.Errorf("top up lease %s: %w", l.ID, err)
		}
		b.log.Info("lease topped up", zap.String("lease", l.ID), zap.String("exit", n.ID))
		if err := b.admitWireGuardOn(ctx, added, n.ID); err != nil {
			b.log.Warn("wireguard peer on a replacement exit", zap.String("lease", l.ID), zap.Error(err))
		}
		l, online[n.ID] = added, true
	}
	return l, nil
}

// replacement finds the best online node serving l's coverage and
// protocols that is not an exit of l yet, preferring one whose operator
// and ASN no live exit of l has.
func (b *Broker) replacement(ctx context.Context, l store.Lease, online map[string]bool) (store.Node, bool, error) {
	if len(l.NodeIDs) >= maxLeaseExits {
		return store.Node{}, false, nil
	}
	c := l.Coverage
	s := matchSpec{
		coverage:  api.Coverage{Country: c.Country, Subdivision: c.Subdivision, City: c.City, ASN: c.ASN, ConnectionType: c.ConnType},
		protocols: l.Protocols, exits: 1, rateBps: l.RateBps, seenSince: b.seenSince(),
	}
	f := s.filter()
	f.ExcludeIDs, f.MaxPriceMicro = l.NodeIDs, l.PriceMicrosPerGB
	nodes, err := b.st.Nodes(ctx, f)
	if err != nil {
		return store.Node{}, false, fmt.Errorf("replacement for lease %s: %w", l.ID, err)
	}
	ops, asns, err := b.liveNetworks(ctx, l, online)
	if err != nil {
		return store.Node{}, false, err
	}
	var fresh, any []store.Node
	for _, n := range nodes {
		if !s.admits(n) || slices.Contains(l.NodeIDs, n.ID) || n.PriceMicrosPerGB > l.PriceMicrosPerGB {
			continue
		}
		any = append(any, n)
		if !ops[n.OperatorID] && !asns[n.ASN] {
			fresh = append(fresh, n)
		}
	}
	if len(fresh) == 0 {
		fresh = any
	}
	measured := make(map[string]Quality)
	for _, n := range fresh {
		if q, ok := qualityOf(n); ok {
			measured[n.ID] = q
		}
	}
	ranked := rank(fresh, measured, s)
	if len(ranked) == 0 {
		return store.Node{}, false, nil
	}
	return *ranked[0].node, true, nil
}

// liveNetworks returns the operators and ASNs of l's exits that are
// online.
func (b *Broker) liveNetworks(ctx context.Context, l store.Lease, online map[string]bool) (map[string]bool, map[int]bool, error) {
	ops, asns := make(map[string]bool), make(map[int]bool)
	for _, id := range l.NodeIDs {
		if !online[id] {
			continue
		}
		n, err := b.st.Node(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("exit %s of lease %s: %w", id, l.ID, err)
		}
		ops[n.OperatorID], asns[n.ASN] = true, true
	}
	return ops, asns, nil
}
