package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/broker/store/postgres"
	"github.com/sparelink/sparelink/internal/pgtest"
)

// replicas opens two stores on one new database, as two brokers would.
func replicas(t *testing.T) [2]*postgres.Store {
	t.Helper()
	url := pgtest.URL(t)
	return [2]*postgres.Store{openURL(t, url), openURL(t, url)}
}

// must fails the test on err.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// seed creates buyer b1 with credit, operator op1 and its nodes n0..n3.
func seed(t *testing.T, s store.Store, credit int64) {
	t.Helper()
	ctx := context.Background()
	must(t, "buyer", s.CreateAccount(ctx, store.Account{ID: "b1", Kind: store.KindBuyer}))
	must(t, "operator", s.CreateAccount(ctx, store.Account{ID: "op1", Kind: store.KindOperator}))
	for i := range 4 {
		must(t, "node", s.UpsertNode(ctx, store.Node{ID: fmt.Sprintf("n%d", i), OperatorID: "op1"}))
	}
	if credit > 0 {
		_, err := s.Credit(ctx, "", "b1", credit)
		must(t, "credit", err)
	}
}

// TestReplicasShareMoney runs idempotent credits, one idempotent lease and
// racing receipts through two stores on one database.
func TestReplicasShareMoney(t *testing.T) {
	rs := replicas(t)
	ctx := context.Background()
	seed(t, rs[0], 0)
	const callers, hold, bps, receipts = 40, 8_000, 1000, 25
	var (
		mu           sync.Mutex
		txns, leases = map[string]bool{}, map[string]bool{}
		created      atomic.Int64
		wg           sync.WaitGroup
	)
	for i := range callers {
		wg.Go(func() {
			s := rs[i%2]
			txn, err := s.Credit(ctx, "top-up", "b1", 10_000)
			l, isNew, err2 := s.CreateLease(ctx, "lease-1", []byte("req"),
				store.Lease{BuyerID: "b1", HoldMicros: hold, FeeBPS: bps, NodeIDs: []string{"n0", "n1", "n2", "n3"}})
			if err != nil || err2 != nil {
				t.Errorf("caller %d: Credit: %v, CreateLease: %v", i, err, err2)
				return
			}
			mu.Lock()
			txns[txn], leases[l.ID] = true, true
			mu.Unlock()
			if isNew {
				created.Add(1)
			}
		})
	}
	wg.Wait()
	if len(txns) != 1 || len(leases) != 1 || created.Load() != 1 {
		t.Fatalf("got %d credit txns, %d leases, %d created; want 1 of each", len(txns), len(leases), created.Load())
	}
	var leaseID string
	for id := range leases {
		leaseID = id
	}
	var charged, fees atomic.Int64
	for w := range 8 { // two workers per node, one on each store
		wg.Go(func() {
			node := fmt.Sprintf("n%d", w%4)
			for seq := int64(1); seq <= receipts; seq++ {
				cum := seq * 100
				r, err := rs[w%2].Settle(ctx, store.Settlement{LeaseID: leaseID, NodeID: node, Seq: uint64(seq),
					CumChargeMicros: cum, CumFeeMicros: cum / 10})
				if err != nil {
					t.Errorf("Settle(%s, %d): %v", node, seq, err)
					return
				}
				charged.Add(r.ChargedMicros)
				fees.Add(r.FeeMicros)
			}
		})
	}
	wg.Wait()
	if charged.Load() != hold {
		t.Errorf("charged across both stores: got %d, want the whole hold %d", charged.Load(), hold)
	}
	wantBalance(t, rs[1], "b1", store.Balance{AccountID: "b1", AvailableMicros: 10_000 - hold})
	wantBalance(t, rs[0], "op1", store.Balance{AccountID: "op1", EarnedMicros: hold - fees.Load()})
	wantBalanced(t, rs[0])
}

// wantBalance checks an account's balance.
func wantBalance(t *testing.T, s store.Store, id string, want store.Balance) {
	t.Helper()
	got, err := s.Balance(context.Background(), id)
	if err != nil || got != want {
		t.Errorf("Balance(%s): got %+v, %v; want %+v", id, got, err, want)
	}
}

// wantBalanced audits the ledger.
func wantBalanced(t *testing.T, s store.Store) {
	t.Helper()
	c, err := s.CheckLedger(context.Background())
	if err != nil || !c.Balanced() {
		t.Errorf("CheckLedger: got %+v, %v; want balanced", c, err)
	}
}
