package brokerd_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/broker/store/postgres"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/pgtest"
	"github.com/sparelink/sparelink/metering/billing"
	"github.com/sparelink/sparelink/metering/receipt"
)

// pgMarket is two broker replicas on one PostgreSQL database, with admin
// clients for both.
type pgMarket struct {
	rs     []replica
	admins []*client.Client
}

func newPGMarket(t *testing.T) pgMarket {
	t.Helper()
	url, log := pgtest.URL(t), zaptest.NewLogger(t)
	var stores []store.Store
	for range 2 {
		st, err := postgres.Open(context.Background(), postgres.Config{URL: url}, log)
		if err != nil {
			t.Fatalf("postgres.Open: %v", err)
		}
		t.Cleanup(func() { st.Close() })
		stores = append(stores, st)
	}
	rs := newReplicas(t, log, stores...)
	key, created, err := rs[1].broker.EnsureAdmin(context.Background(), "root")
	if err != nil || !created {
		t.Fatalf("EnsureAdmin: created %v, %v", created, err)
	}
	return pgMarket{rs: rs, admins: clients(rs, key)}
}

// receiptFor is a cumulative receipt of node for the lease, signed by key.
func receiptFor(leaseID string, key identity.Key, seq uint64, up, down int64) *receipt.Receipt {
	r := &receipt.Receipt{LeaseID: leaseID, NodeID: key.NodeID(), Seq: seq, Up: up, Down: down,
		Time: time.Date(2026, 3, 1, 12, 0, 0, int(seq), time.UTC)}
	r.Sign(key.Private)
	return r
}

// TestReplicasSettle drives one market through two brokers at once:
// accounts, a node registered across replicas, idempotent leases, and
// receipts settled through both, then checks every balance to the micro.
func TestReplicasSettle(t *testing.T) {
	m := newPGMarket(t)
	ctx := context.Background()
	op, ops, opKey := account(t, m.rs, m.admins, api.KindOperator)
	buyer, buyers, _ := account(t, m.rs, m.admins, api.KindBuyer)
	const credit = 90_000_000
	if _, err := m.admins[0].Credit(ctx, "fund", buyer.ID, credit); err != nil {
		t.Fatalf("Credit: %v", err)
	}
	n1 := registerAcross(t, ops[0], m.rs[1], opKey, listing("DE", 3320, 2_000_000))
	n2, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ops[1].RegisterNode(ctx, n2.Private, listing("DE", 6805, 3_000_000)); err != nil {
		t.Fatalf("RegisterNode: %v", err)
	}
	req := api.LeaseRequest{Coverage: api.Coverage{Country: "DE"}, Exits: 2, MaxBytes: 5e9}
	l1, err := buyers[0].CreateLease(ctx, "lease-1", req)
	if err != nil {
		t.Fatalf("CreateLease through replica 0: %v", err)
	}
	if again, err := buyers[1].CreateLease(ctx, "lease-1", req); err != nil || again.ID != l1.ID {
		t.Fatalf("CreateLease retried through replica 1: got %v, %v; want lease %s", again, err, l1.ID)
	}
	l2, err := buyers[1].CreateLease(ctx, "lease-2", api.LeaseRequest{Coverage: api.Coverage{Country: "DE"}, MaxBytes: 1e9})
	if err != nil {
		t.Fatalf("CreateLease through replica 1: %v", err)
	}
	// Cumulative receipts, alternately through each replica, with replays
	// that must apply nothing.
	n3 := exitKey(t, l2, n1, n2)
	batches := []struct {
		via     int
		rs      []*receipt.Receipt
		applied []bool
	}{
		{0, []*receipt.Receipt{receiptFor(l1.ID, n1, 1, 1e6, 9e6), receiptFor(l1.ID, n2, 1, 2e6, 3e6)}, []bool{true, true}},
		{1, []*receipt.Receipt{receiptFor(l1.ID, n1, 2, 3e6, 40e6), receiptFor(l1.ID, n1, 1, 1e6, 9e6)}, []bool{true, false}},
		{0, []*receipt.Receipt{receiptFor(l2.ID, n3, 1, 5e5, 7e6), receiptFor(l1.ID, n2, 2, 2e6, 8e6)}, []bool{true, true}},
		{1, []*receipt.Receipt{receiptFor(l1.ID, n2, 2, 2e6, 8e6)}, []bool{false}},
	}
	for i, b := range batches {
		res, err := ops[b.via].SubmitReceipts(ctx, b.rs)
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
		for j, r := range res.Results {
			if r.Error != "" || r.Applied != b.applied[j] {
				t.Errorf("batch %d receipt %d: got applied=%v error %q, want applied=%v", i, j, r.Applied, r.Error, b.applied[j])
			}
		}
	}
	// What the final cumulative receipts charge, computed as the broker does.
	charge := func(price, up, down int64) (int64, int64) {
		c := billing.Charge(up+down, price)
		return c, billing.Fee(c, feeBPS)
	}
	c1, f1 := charge(l1.PriceMicrosPerGB, 3e6, 40e6)
	c2, f2 := charge(l1.PriceMicrosPerGB, 2e6, 8e6)
	c3, f3 := charge(l2.PriceMicrosPerGB, 5e5, 7e6)
	charged, fees := c1+c2+c3, f1+f2+f3
	if charged <= 0 || fees <= 0 {
		t.Fatalf("test receipts charge %d with fee %d; want both positive", charged, fees)
	}
	wantBalance(t, m.admins[1], buyer.ID, api.Balance{AccountID: buyer.ID,
		AvailableMicros: credit - l1.HoldMicros - l2.HoldMicros, HeldMicros: l1.HoldMicros + l2.HoldMicros - charged})
	wantBalance(t, m.admins[0], op.ID, api.Balance{AccountID: op.ID, EarnedMicros: charged - fees})
	if _, err := buyers[1].CloseLease(ctx, l1.ID); err != nil {
		t.Fatalf("CloseLease(l1): %v", err)
	}
	if _, err := buyers[0].CloseLease(ctx, l2.ID); err != nil {
		t.Fatalf("CloseLease(l2): %v", err)
	}
	wantBalance(t, m.admins[0], buyer.ID, api.Balance{AccountID: buyer.ID, AvailableMicros: credit - charged})
	wantBalanced(t, m.admins)
}

// TestReplicasCreditOnce sends one credit 100 times at once, with one
// Idempotency-Key, through both replicas: exactly one ledger transaction
// may result, and every answer must name it.
func TestReplicasCreditOnce(t *testing.T) {
	m := newPGMarket(t)
	ctx := context.Background()
	buyer, _, _ := account(t, m.rs, m.admins, api.KindBuyer)
	const calls, amount = 100, 777_000
	txns := make([]string, calls)
	var wg sync.WaitGroup
	for i := range calls {
		wg.Go(func() {
			c, err := m.admins[i%2].Credit(ctx, "pay-once", buyer.ID, amount)
			if err != nil {
				t.Errorf("credit %d: %v", i, err)
				return
			}
			txns[i] = c.TxnID
		})
	}
	wg.Wait()
	for i, txn := range txns {
		if txn != txns[0] {
			t.Fatalf("credit %d: got transaction %q, credit 0 got %q; want one transaction", i, txn, txns[0])
		}
	}
	wantBalance(t, m.admins[1], buyer.ID, api.Balance{AccountID: buyer.ID, AvailableMicros: amount})
	page, err := m.admins[0].Ledger(ctx, buyer.ID, client.Page{})
	if err != nil || len(page.Entries) != 1 || page.Entries[0].TxnID != txns[0] {
		t.Errorf("ledger of %s: got %+v, %v; want the one entry of %s", buyer.ID, page, err, txns[0])
	}
	wantBalanced(t, m.admins)
}
