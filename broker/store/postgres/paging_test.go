package postgres_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/store"
)

// TestLedgerPagingUnderWrites pages through a buyer's ledger while two
// stores keep writing to its different books. Every entry must be seen
// exactly once: none may commit below a cursor already handed out.
func TestLedgerPagingUnderWrites(t *testing.T) {
	rs := replicas(t)
	ctx := context.Background()
	seed(t, rs[0], 1_000_000)
	l, _, err := rs[0].CreateLease(ctx, "", nil, store.Lease{BuyerID: "b1", HoldMicros: 500_000, NodeIDs: []string{"n0"}})
	must(t, "lease", err)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { // credits: the available book
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := rs[0].Credit(ctx, "", "b1", 1); err != nil {
				t.Errorf("Credit: %v", err)
				return
			}
		}
	})
	wg.Go(func() { // receipts: the held book
		for seq := uint64(1); ; seq++ {
			select {
			case <-stop:
				return
			default:
			}
			_, err := rs[1].Settle(ctx, store.Settlement{LeaseID: l.ID, NodeID: "n0", Seq: seq, CumChargeMicros: int64(seq)})
			if err != nil {
				t.Errorf("Settle: %v", err)
				return
			}
		}
	})
	seen := pageWhile(t, rs[0], time.Now().Add(2*time.Second))
	close(stop)
	wg.Wait()
	seen = append(seen, pageFrom(t, rs[0], seen)...)
	all := pageFrom(t, rs[1], nil)
	if !slices.Equal(seen, all) {
		t.Errorf("paged while writing: got %d entries, want %d; first difference at %d",
			len(seen), len(all), firstDiff(seen, all))
	}
	wantBalanced(t, rs[0])
}

// pageWhile pages b1's ledger in small pages until the deadline.
func pageWhile(t *testing.T, s store.Store, deadline time.Time) []int64 {
	var seen []int64
	for time.Now().Before(deadline) {
		seen = append(seen, pageFrom(t, s, seen)...)
	}
	return seen
}

// pageFrom reads every b1 entry after the last ID in seen, 7 at a time.
func pageFrom(t *testing.T, s store.Store, seen []int64) []int64 {
	t.Helper()
	var after int64
	if len(seen) > 0 {
		after = seen[len(seen)-1]
	}
	var ids []int64
	for {
		page, err := s.Ledger(context.Background(), "b1", after, 7)
		must(t, "Ledger", err)
		if len(page) == 0 {
			return ids
		}
		for _, e := range page {
			ids = append(ids, e.ID)
		}
		after = page[len(page)-1].ID
	}
}

// firstDiff is the first index where a and b differ.
func firstDiff(a, b []int64) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
