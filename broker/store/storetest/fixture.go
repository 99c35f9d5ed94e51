package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/store"
)

// base is a fixed, whole-nanosecond instant the tests build times from.
var base = time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)

// fixture is one test's store plus helpers that fail the test on error.
type fixture struct {
	t   *testing.T
	s   store.Store
	ctx context.Context
}

// newFixture opens a store and audits its ledger when the test ends.
// Cleanups run last-in first-out, so the audit runs before open's Close.
func newFixture(t *testing.T, open Opener) *fixture {
	t.Helper()
	f := &fixture{t: t, s: open(t), ctx: context.Background()}
	t.Cleanup(func() {
		c, err := f.s.CheckLedger(context.Background())
		if err != nil {
			t.Errorf("CheckLedger at end of test: %v", err)
			return
		}
		if !c.Balanced() {
			t.Errorf("ledger at end of test: got %+v, want balanced", c)
		}
	})
	return f
}

// account creates an account of the given kind.
func (f *fixture) account(id string, kind store.AccountKind) {
	f.t.Helper()
	a := store.Account{ID: id, Kind: kind, Name: "name of " + id, CreatedAt: base}
	if err := f.s.CreateAccount(f.ctx, a); err != nil {
		f.t.Fatalf("CreateAccount(%s): %v", id, err)
	}
}

// buyer creates a buyer and credits it when amount > 0.
func (f *fixture) buyer(id string, amount int64) {
	f.t.Helper()
	f.account(id, store.KindBuyer)
	if amount > 0 {
		if _, err := f.s.Credit(f.ctx, "", id, amount); err != nil {
			f.t.Fatalf("Credit(%s, %d): %v", id, amount, err)
		}
	}
}

// newNode returns a complete node owned by operatorID, not yet stored.
func newNode(id, operatorID string) store.Node {
	return store.Node{
		ID:               id,
		OperatorID:       operatorID,
		PublicKey:        []byte("public key of " + id),
		Region:           store.Region{Country: "DE", Subdivision: "DE-BE", City: "Berlin"},
		ASN:              3320,
		ConnType:         "residential",
		Protocols:        []string{"quic"},
		QUICAddr:         "127.0.0.1:4433",
		PriceMicrosPerGB: 500_000,
		CapacityBps:      10_000_000,
		SpareBps:         5_000_000,
		EgressSummary:    "no smtp",
		LastSeen:         base,
		CreatedAt:        base.Add(-time.Hour),
	}
}

// node stores n.
func (f *fixture) node(n store.Node) {
	f.t.Helper()
	if err := f.s.UpsertNode(f.ctx, n); err != nil {
		f.t.Fatalf("UpsertNode(%s): %v", n.ID, err)
	}
}

// operatorWithNodes creates an operator owning nodes with the given IDs.
func (f *fixture) operatorWithNodes(operatorID string, nodeIDs ...string) {
	f.t.Helper()
	f.account(operatorID, store.KindOperator)
	for _, id := range nodeIDs {
		f.node(newNode(id, operatorID))
	}
}

// newLease returns a lease request for the buyer, not yet stored.
func newLease(buyerID string, hold, feeBPS int64, nodeIDs ...string) store.Lease {
	return store.Lease{
		BuyerID:          buyerID,
		PriceMicrosPerGB: 1_000_000,
		FeeBPS:           feeBPS,
		HoldMicros:       hold,
		MaxBytes:         hold * 1000, // at the price above, the hold buys exactly this
		RateBps:          1_000_000,
		Mode:             "sticky",
		Protocols:        []string{"quic"},
		NodeIDs:          nodeIDs,
		CreatedAt:        base,
		ExpiresAt:        base.Add(time.Hour),
	}
}

// lease stores a lease without an idempotency key.
func (f *fixture) lease(buyerID string, hold, feeBPS int64, nodeIDs ...string) store.Lease {
	f.t.Helper()
	l, created, err := f.s.CreateLease(f.ctx, "", nil, newLease(buyerID, hold, feeBPS, nodeIDs...))
	if err != nil || !created {
		f.t.Fatalf("CreateLease(%s, %d): created %v, err %v", buyerID, hold, created, err)
	}
	return l
}

// balance reads an account's balance.
func (f *fixture) balance(id string) store.Balance {
	f.t.Helper()
	b, err := f.s.Balance(f.ctx, id)
	if err != nil {
		f.t.Fatalf("Balance(%s): %v", id, err)
	}
	return b
}

// wantBalance checks available, held and earned of an account.
func (f *fixture) wantBalance(id string, available, held, earned int64) {
	f.t.Helper()
	got := f.balance(id)
	want := store.Balance{AccountID: id, AvailableMicros: available, HeldMicros: held, EarnedMicros: earned}
	if got != want {
		f.t.Errorf("Balance(%s): got %+v, want %+v", id, got, want)
	}
}

// settle applies a receipt and fails the test on error.
func (f *fixture) settle(s store.Settlement) store.SettleResult {
	f.t.Helper()
	r, err := f.s.Settle(f.ctx, s)
	if err != nil {
		f.t.Fatalf("Settle(%+v): %v", s, err)
	}
	return r
}

// wantErr checks that err matches the sentinel want (nil: no error).
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if want == nil && err != nil {
		t.Errorf("%s: got error %v, want none", what, err)
	}
	if want != nil && !errors.Is(err, want) {
		t.Errorf("%s: got error %v, want %v", what, err, want)
	}
}

// nodeIDs joins the IDs of nodes with commas, for compact comparisons.
func nodeIDs(ns []store.Node) string {
	out := ""
	for i, n := range ns {
		if i > 0 {
			out += ","
		}
		out += n.ID
	}
	return out
}

// feeOf is the fee rule for a capped charge: floor(amount*bps/10000).
func feeOf(amount, bps int64) int64 {
	return amount * bps / 10000
}

// id formats a numbered ID such as "node-007".
func id(prefix string, i int) string { return fmt.Sprintf("%s-%03d", prefix, i) }
