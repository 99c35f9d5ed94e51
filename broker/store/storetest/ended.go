package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/store"
)

// endedIDs is the lease IDs of an EndedLeases answer, in order.
func endedIDs(es []store.EndedLease) []string {
	ids := make([]string, 0, len(es))
	for _, e := range es {
		ids = append(ids, e.LeaseID)
	}
	return ids
}

// closeAt closes a lease with the given status and time.
func (f *fixture) closeAt(leaseID string, status store.LeaseStatus, at time.Time) {
	f.t.Helper()
	if _, err := f.s.CloseLease(f.ctx, leaseID, status, at); err != nil {
		f.t.Fatalf("CloseLease(%s): %v", leaseID, err)
	}
}

// testEndedLeases lists a node's recently ended leases: closed, expired and
// exhausted ones, not active, revived or other nodes' leases, nor those
// that ended before the window.
func testEndedLeases(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.buyer("b1", 100_000)
	f.operatorWithNodes("op1", "n1", "n2", "n3")
	// Exhaustion is stamped with the store's clock, so the other end
	// times are placed around the real clock too.
	ref := time.Now().UTC().Truncate(time.Microsecond)
	closed := f.lease("b1", 1_000, 0, "n1", "n2")
	f.closeAt(closed.ID, store.LeaseClosed, ref.Add(-30*time.Minute))
	expired := f.lease("b1", 1_000, 0, "n1")
	f.closeAt(expired.ID, store.LeaseExpired, ref.Add(-20*time.Minute))
	old := f.lease("b1", 1_000, 0, "n1")
	f.closeAt(old.ID, store.LeaseClosed, ref.Add(-2*time.Hour))
	other := f.lease("b1", 1_000, 0, "n2")
	f.closeAt(other.ID, store.LeaseClosed, ref.Add(-40*time.Minute))
	f.lease("b1", 1_000, 0, "n1") // stays active
	before := time.Now()
	used := f.lease("b1", 1_000, 0, "n1")
	f.settle(store.Settlement{LeaseID: used.ID, NodeID: "n1", Seq: 1, CumChargeMicros: 1_000})
	revived := f.lease("b1", 1_000, 0, "n1")
	f.settle(store.Settlement{LeaseID: revived.ID, NodeID: "n1", Seq: 1, CumChargeMicros: 1_000})
	after := time.Now()
	if _, err := f.s.ExtendLease(f.ctx, store.LeaseExtension{LeaseID: revived.ID, AddHoldMicros: 500}); err != nil {
		t.Fatalf("ExtendLease: %v", err)
	}

	tests := []struct {
		name  string
		node  string
		since time.Time
		limit int
		want  []string
	}{
		{"last hour, newest first", "n1", ref.Add(-time.Hour), 0, []string{used.ID, expired.ID, closed.ID}},
		{"limited", "n1", ref.Add(-time.Hour), 2, []string{used.ID, expired.ID}},
		{"narrow window", "n1", ref.Add(-25 * time.Minute), 0, []string{used.ID, expired.ID}},
		{"window starts at an end time", "n1", ref.Add(-30 * time.Minute), 0, []string{used.ID, expired.ID, closed.ID}},
		{"long window", "n1", ref.Add(-3 * time.Hour), 0, []string{used.ID, expired.ID, closed.ID, old.ID}},
		{"other node", "n2", ref.Add(-time.Hour), 0, []string{closed.ID, other.ID}},
		{"node without leases", "n3", ref.Add(-time.Hour), 0, []string{}},
		{"unknown node", "n9", ref.Add(-time.Hour), 0, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.s.EndedLeases(f.ctx, tt.node, tt.since, tt.limit)
			if err != nil {
				t.Fatalf("EndedLeases: %v", err)
			}
			if ids := endedIDs(got); !slices.Equal(ids, tt.want) {
				t.Errorf("EndedLeases(%s): got %v, want %v", tt.node, ids, tt.want)
			}
		})
	}

	got, err := f.s.EndedLeases(f.ctx, "n1", ref.Add(-time.Hour), 0)
	if err != nil || len(got) != 3 {
		t.Fatalf("EndedLeases(n1): got %v, %v; want 3 leases", got, err)
	}
	wantEnded := store.EndedLease{LeaseID: expired.ID, Status: store.LeaseExpired,
		ExpiresAt: expired.ExpiresAt, EndedAt: ref.Add(-20 * time.Minute)}
	if got[1] != wantEnded {
		t.Errorf("expired lease: got %+v, want %+v", got[1], wantEnded)
	}
	if e := got[0]; e.Status != store.LeaseExhausted || e.EndedAt.Before(before.Add(-time.Second)) || e.EndedAt.After(after.Add(time.Second)) {
		t.Errorf("exhausted lease: got %+v, want status exhausted and an end between %v and %v", e, before, after)
	}
}
