package storetest

import (
	"bytes"
	"errors"
	"testing"

	"github.com/sparelink/sparelink/broker/store"
)

// testReceiptLog checks the receipt log and disputes: stored once per
// (lease, node, seq), a countersigned copy replacing a bare one and never
// the reverse, and disputes once per source. testSettle runs it.
func testReceiptLog(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.buyer("b1", 10_000)
	f.operatorWithNodes("op1", "n1")
	req := newLease("b1", 1000, 1000, "n1")
	req.BuyerKey = bytes.Repeat([]byte{7}, 32)
	l, _, err := f.s.CreateLease(f.ctx, "", nil, req)
	if err != nil {
		t.Fatalf("CreateLease: %v", err)
	}
	if got, err := f.s.Lease(f.ctx, l.ID); err != nil || !bytes.Equal(got.BuyerKey, req.BuyerKey) {
		t.Fatalf("Lease().BuyerKey = %x (err %v), want %x", got.BuyerKey, err, req.BuyerKey)
	}
	rec := func(seq uint64, cs bool, data string) store.ReceiptRecord {
		return store.ReceiptRecord{LeaseID: l.ID, NodeID: "n1", Seq: seq, Countersigned: cs, Data: []byte(data)}
	}
	steps := []struct {
		name string
		r    store.ReceiptRecord
		want bool
	}{
		{"first", rec(1, false, "one"), true},
		{"duplicate", rec(1, false, "one"), false},
		{"countersigned copy", rec(1, true, "one+cs"), true},
		{"bare copy after", rec(1, false, "one"), false},
		{"next", rec(5, true, "five"), true},
	}
	for _, s := range steps {
		if got, err := f.s.AddReceipt(f.ctx, s.r); err != nil || got != s.want {
			t.Fatalf("%s: AddReceipt() = %v, %v, want %v", s.name, got, err, s.want)
		}
	}
	got, err := f.s.LeaseReceipts(f.ctx, l.ID)
	if err != nil || len(got) != 2 || string(got[0].Data) != "one+cs" || got[1].Seq != 5 || !got[0].Countersigned {
		t.Fatalf("LeaseReceipts() = %+v, %v, want seq 1 countersigned and seq 5", got, err)
	}
	if _, err := f.s.AddReceipt(f.ctx, store.ReceiptRecord{LeaseID: "nope", NodeID: "n1", Seq: 1, Data: []byte{1}}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("AddReceipt(unknown lease) = %v, want ErrNotFound", err)
	}
	testDisputes(t, f, l.ID)
}

func testDisputes(t *testing.T, f *fixture, leaseID string) {
	t.Helper()
	d := store.Dispute{LeaseID: leaseID, NodeID: "n1", Seq: 5, Source: store.DisputeBuyer, BuyerID: "b1",
		OperatorID: "op1", ClaimedUp: 10, ClaimedDown: 200, AgreedUp: 10, AgreedDown: 100}
	for i, want := range []bool{true, false} {
		if got, err := f.s.AddDispute(f.ctx, d); err != nil || got != want {
			t.Fatalf("AddDispute #%d = %v, %v, want %v", i, got, err, want)
		}
	}
	d.Source = store.DisputeExit
	if got, err := f.s.AddDispute(f.ctx, d); err != nil || !got {
		t.Fatalf("AddDispute(other source) = %v, %v, want true", got, err)
	}
	filters := []struct {
		name string
		f    store.DisputeFilter
		want int
	}{
		{"lease", store.DisputeFilter{LeaseID: leaseID}, 2},
		{"buyer", store.DisputeFilter{BuyerID: "b1"}, 2},
		{"operator", store.DisputeFilter{OperatorID: "op1"}, 2},
		{"other operator", store.DisputeFilter{OperatorID: "op2"}, 0},
	}
	for _, tt := range filters {
		got, err := f.s.Disputes(f.ctx, tt.f)
		if err != nil || len(got) != tt.want {
			t.Fatalf("Disputes(%s) = %d, %v, want %d", tt.name, len(got), err, tt.want)
		}
		if tt.want > 0 && (got[0].ClaimedDown != 200 || got[0].Source != store.DisputeBuyer) {
			t.Fatalf("Disputes(%s)[0] = %+v, want the buyer's claim of 200 down", tt.name, got[0])
		}
	}
	if _, err := f.s.Disputes(f.ctx, store.DisputeFilter{}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("Disputes(empty filter) = %v, want ErrInvalid", err)
	}
}
