package storetest

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sparelink/sparelink/broker/store"
)

// workers is how many goroutines race in each concurrency test.
const workers = 8

func testConcurrentSettle(t *testing.T, open Opener) {
	const nodes, receipts, bps = 4, 30, 1000
	steps := [nodes]int64{100, 250, 333, 1_000} // each node's charge per receipt
	var implied int64                           // what all final receipts charge together
	for _, s := range steps {
		implied += s * receipts
	}
	tests := []struct {
		name string
		hold int64
	}{
		{"within the hold", implied * 2},
		{"capped at the hold", implied / 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, open)
			f.buyer("b1", tt.hold)
			f.operatorWithNodes("op1", id("n", 0), id("n", 1))
			f.operatorWithNodes("op2", id("n", 2), id("n", 3))
			l := f.lease("b1", tt.hold, bps)
			var charged, fees atomic.Int64
			var wg sync.WaitGroup
			for w := 0; w < workers; w++ {
				node := w % nodes // two workers deliver each node's receipts
				wg.Go(func() {
					for seq := int64(1); seq <= receipts; seq++ {
						cum := seq * steps[node]
						r, err := f.s.Settle(f.ctx, store.Settlement{LeaseID: l.ID, NodeID: id("n", node),
							Seq: uint64(seq), BytesUp: cum, CumChargeMicros: cum, CumFeeMicros: feeOf(cum, bps)})
						if err != nil {
							t.Errorf("Settle(node %d, seq %d): %v", node, seq, err)
							return
						}
						charged.Add(r.ChargedMicros)
						fees.Add(r.FeeMicros)
					}
				})
			}
			wg.Wait()
			want := min(implied, tt.hold)
			if charged.Load() != want {
				t.Errorf("sum of applied charges: got %d, want %d", charged.Load(), want)
			}
			f.wantBalance("b1", 0, tt.hold-want, 0)
			op1, op2 := f.balance("op1"), f.balance("op2")
			if got := op1.EarnedMicros + op2.EarnedMicros; got != want-fees.Load() {
				t.Errorf("sellers earned: got %d, want %d", got, want-fees.Load())
			}
			us, err := f.s.Usage(f.ctx, l.ID)
			var usageSum int64
			for _, u := range us {
				usageSum += u.ChargedMicros
			}
			if err != nil || len(us) != nodes || usageSum != want {
				t.Errorf("Usage: got %d rows charging %d, %v; want %d rows charging %d", len(us), usageSum, err, nodes, want)
			}
		})
	}
}

func testConcurrentLeases(t *testing.T, open Opener) {
	f := newFixture(t, open)
	const hold, fits, attempts = 1_000, 5, 2 * workers
	f.buyer("b1", fits*hold+hold/2)
	var ok, short atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < attempts; w++ {
		wg.Go(func() {
			_, _, err := f.s.CreateLease(f.ctx, "", nil, newLease("b1", hold, 0))
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, store.ErrInsufficientFunds):
				short.Add(1)
			default:
				t.Errorf("CreateLease: %v", err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != fits || short.Load() != attempts-fits {
		t.Errorf("leases: got %d created and %d refused, want %d and %d", ok.Load(), short.Load(), fits, attempts-fits)
	}
	f.wantBalance("b1", hold/2, fits*hold, 0)
}

func testConcurrentRetries(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.buyer("b1", 0)
	f.operatorWithNodes("op1", "n1")
	var (
		wg                   sync.WaitGroup
		mu                   sync.Mutex
		txns, leases         = map[string]int{}, map[string]int{}
		created, appliedRuns atomic.Int64
	)
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			txn, err := f.s.Credit(f.ctx, "top-up", "b1", 5_000)
			l, isNew, err2 := f.s.CreateLease(f.ctx, "lease-1", []byte("req"), newLease("b1", 2_000, 0, "n1"))
			if err = errors.Join(err, err2); err != nil {
				t.Errorf("Credit/CreateLease: %v", err)
				return
			}
			r, err := f.s.Settle(f.ctx, store.Settlement{LeaseID: l.ID, NodeID: "n1", Seq: 1, CumChargeMicros: 300})
			if err != nil {
				t.Errorf("Settle: %v", err)
				return
			}
			mu.Lock()
			txns[txn]++
			leases[l.ID]++
			mu.Unlock()
			if isNew {
				created.Add(1)
			}
			if r.Applied {
				appliedRuns.Add(1)
			}
		})
	}
	wg.Wait()
	if len(txns) != 1 || len(leases) != 1 || created.Load() != 1 || appliedRuns.Load() != 1 {
		t.Errorf("retries: got %d txns, %d leases, %d created, %d applied; want 1 of each",
			len(txns), len(leases), created.Load(), appliedRuns.Load())
	}
	f.wantBalance("b1", 5_000-2_000, 2_000-300, 0)
	f.wantBalance("op1", 0, 0, 300)
}
