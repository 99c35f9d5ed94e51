package broker_test

import (
	"slices"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker"
	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
)

// revoked sends a heartbeat for nodeID and returns its revocation list.
func (m *market) revoked(op *client.Client, nodeID string) []api.Revocation {
	m.t.Helper()
	hb, err := op.Heartbeat(m.ctx, nodeID, api.HeartbeatRequest{SpareBps: 1000})
	if err != nil {
		m.t.Fatalf("heartbeat of %s: %v", nodeID, err)
	}
	return hb.Revoked
}

// TestHeartbeatRevocations checks that a heartbeat answer lists exactly
// the node's own leases that ended within one token lifetime, each with
// the latest expiry of its tokens.
func TestHeartbeatRevocations(t *testing.T) {
	m := newMarket(t)
	_, _, op := m.account(api.KindOperator, "revoker")
	_, de := m.node(op, listing("DE", 100, 1_000_000))
	_, fr := m.node(op, listing("FR", 200, 1_000_000))
	_, buyer := m.buyer("revoked", 1e9)
	lease := func(country string) *api.Lease {
		t.Helper()
		l, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{Coverage: api.Coverage{Country: country}, MaxBytes: 1e9})
		if err != nil {
			t.Fatalf("lease in %s: %v", country, err)
		}
		return l
	}
	closeLease := func(l *api.Lease) *api.Lease {
		t.Helper()
		c, err := buyer.CloseLease(m.ctx, l.ID)
		if err != nil {
			t.Fatalf("close %s: %v", l.ID, err)
		}
		return c
	}
	if got := m.revoked(op, de.ID); got == nil || len(got) != 0 {
		t.Errorf("before any lease ended: got %v, want an empty list", got)
	}
	old := closeLease(lease("DE"))
	m.clock.Advance(broker.DefaultTokenTTL + time.Second)
	m.revoked(op, de.ID) // back online after the pause
	m.revoked(op, fr.ID)
	closedDE, closedFR := closeLease(lease("DE")), closeLease(lease("FR"))
	active := lease("DE")
	m.clock.Advance(time.Second)

	tests := []struct {
		name string
		node string
		want []*api.Lease
	}{
		{"own recent lease only", de.ID, []*api.Lease{closedDE}},
		{"other node", fr.ID, []*api.Lease{closedFR}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := m.revoked(op, tt.node)
			var want []api.Revocation
			for _, l := range tt.want {
				until := l.ClosedAt.Add(broker.DefaultTokenTTL)
				if l.ExpiresAt.Before(until) {
					until = l.ExpiresAt
				}
				want = append(want, api.Revocation{LeaseID: l.ID, Until: until})
			}
			if !slices.EqualFunc(got, want, func(a, b api.Revocation) bool {
				return a.LeaseID == b.LeaseID && a.Until.Equal(b.Until)
			}) {
				t.Errorf("revoked on %s: got %+v, want %+v (not %s, ended too long ago, nor active %s)",
					tt.node, got, want, old.ID, active.ID)
			}
		})
	}
}
