package storetest

import (
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/store"
)

func testKeyLimits(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.buyer("b1", 100_000)
	f.operatorWithNodes("op1", "n1")
	k := store.APIKey{ID: "kcap", AccountID: "b1", Scope: store.ScopeBuyer, Hash: []byte("h"), CreatedAt: base,
		SpendLimitMicros: 3000, ByteLimit: 5_000_000}
	if err := f.s.CreateKey(f.ctx, k); err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	if got, err := f.s.Key(f.ctx, "kcap"); err != nil || got.SpendLimitMicros != 3000 || got.ByteLimit != 5_000_000 {
		t.Fatalf("Key = %+v, %v; want the limits kept", got, err)
	}
	lease := func(hold int64) (store.Lease, error) {
		l := newLease("b1", hold, 1000, "n1")
		l.KeyID = "kcap"
		got, _, err := f.s.CreateLease(f.ctx, "", nil, l)
		return got, err
	}
	first, err := lease(2000) // 2,000,000 bytes at the fixture's price
	if err != nil || first.KeyID != "kcap" {
		t.Fatalf("first lease = %+v, %v; want it stored with its key", first, err)
	}
	_, err = lease(1500)
	wantErr(t, "a lease past the spend limit", err, store.ErrKeyLimit)
	_, err = f.s.ExtendLease(f.ctx, store.LeaseExtension{LeaseID: first.ID, AddHoldMicros: 1001, AddMaxBytes: 1_001_000})
	wantErr(t, "an extension past the spend limit", err, store.ErrKeyLimit)
	f.wantBalance("b1", 100_000-2000, 2000, 0)

	// A closed lease counts what it was charged (nothing here), so its
	// hold's headroom returns; the bytes it was bought for still count.
	f.closeAt(first.ID, store.LeaseClosed, base.Add(time.Minute))
	if _, err := lease(2500); err != nil {
		t.Fatalf("a lease after the first closed: %v", err)
	}
	_, err = lease(500) // 2M + 2.5M + 0.5M bytes = at the byte limit, but 3000 micros: spend is 2500+500
	if err != nil {
		t.Fatalf("a lease up to both limits: %v", err)
	}
	_, err = lease(1)
	wantErr(t, "a lease past both limits", err, store.ErrKeyLimit)
	// Another key of the buyer, or none, is not held to kcap's limits.
	other := newLease("b1", 1000, 1000, "n1")
	if _, _, err := f.s.CreateLease(f.ctx, "", nil, other); err != nil {
		t.Errorf("a lease without a key: %v", err)
	}
}
