package storetest

import (
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/store"
)

func testExtendLease(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.buyer("b1", 10_000)
	f.operatorWithNodes("op1", "n1")
	l := f.lease("b1", 3_000, 1000, "n1")
	tests := []struct {
		name      string
		ext       store.LeaseExtension
		want      error
		wantHold  int64
		wantBytes int64
		wantEnd   time.Time
	}{
		{"more bytes", store.LeaseExtension{LeaseID: l.ID, AddHoldMicros: 2_000, AddMaxBytes: 2_000_000},
			nil, 5_000, 5_000_000, l.ExpiresAt},
		{"more time", store.LeaseExtension{LeaseID: l.ID, AddDuration: time.Hour},
			nil, 5_000, 5_000_000, l.ExpiresAt.Add(time.Hour)},
		{"both", store.LeaseExtension{LeaseID: l.ID, AddHoldMicros: 1_000, AddMaxBytes: 1_000_000, AddDuration: time.Minute},
			nil, 6_000, 6_000_000, l.ExpiresAt.Add(time.Hour + time.Minute)},
		{"short balance", store.LeaseExtension{LeaseID: l.ID, AddHoldMicros: 4_001, AddMaxBytes: 1}, store.ErrInsufficientFunds, 0, 0, time.Time{}},
		{"nothing", store.LeaseExtension{LeaseID: l.ID}, store.ErrInvalid, 0, 0, time.Time{}},
		{"negative", store.LeaseExtension{LeaseID: l.ID, AddHoldMicros: -1}, store.ErrInvalid, 0, 0, time.Time{}},
		{"unknown lease", store.LeaseExtension{LeaseID: "ls-404", AddDuration: time.Hour}, store.ErrNotFound, 0, 0, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.s.ExtendLease(f.ctx, tt.ext)
			wantErr(t, "ExtendLease", err, tt.want)
			if err != nil {
				return
			}
			if got.HoldMicros != tt.wantHold || got.MaxBytes != tt.wantBytes || !got.ExpiresAt.Equal(tt.wantEnd) || got.Status != store.LeaseActive {
				t.Errorf("got hold %d, bytes %d, end %s, %s; want %d, %d, %s, active",
					got.HoldMicros, got.MaxBytes, got.ExpiresAt, got.Status, tt.wantHold, tt.wantBytes, tt.wantEnd)
			}
		})
	}
	f.wantBalance("b1", 4_000, 6_000, 0)
	if _, err := f.s.CloseLease(f.ctx, l.ID, store.LeaseClosed, base); err != nil {
		t.Fatal(err)
	}
	_, err := f.s.ExtendLease(f.ctx, store.LeaseExtension{LeaseID: l.ID, AddDuration: time.Hour})
	wantErr(t, "ExtendLease of a closed lease", err, store.ErrConflict)
	f.wantBalance("b1", 10_000, 0, 0)
}

// testExtendExhausted revives an exhausted lease with more hold, and the
// new hold is what later receipts draw on.
func testExtendExhausted(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.buyer("b1", 10_000)
	f.operatorWithNodes("op1", "n1")
	l := f.lease("b1", 1_000, 0, "n1")
	if r := f.settle(store.Settlement{LeaseID: l.ID, NodeID: "n1", Seq: 1, CumChargeMicros: 1_500}); !r.Exhausted {
		t.Fatalf("Settle past the hold: got %+v, want the lease exhausted", r)
	}
	got, err := f.s.ExtendLease(f.ctx, store.LeaseExtension{LeaseID: l.ID, AddHoldMicros: 2_000, AddMaxBytes: 2_000_000})
	if err != nil || got.Status != store.LeaseActive || got.HoldMicros != 3_000 {
		t.Fatalf("ExtendLease of an exhausted lease: got %+v, %v; want active with a 3000 hold", got, err)
	}
	if r := f.settle(store.Settlement{LeaseID: l.ID, NodeID: "n1", Seq: 2, CumChargeMicros: 2_500}); r.ChargedMicros != 1_500 {
		t.Errorf("Settle after the extension: got %+v, want 1500 charged from the new hold", r)
	}
	f.wantBalance("b1", 7_000, 500, 0)
	f.wantBalance("op1", 0, 0, 2_500)
}
