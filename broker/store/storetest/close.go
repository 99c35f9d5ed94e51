package storetest

import (
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/store"
)

func testCloseLease(t *testing.T, open Opener) {
	f := newFixture(t, open)
	const credit, hold, fee = 100_000, 10_000, 1000
	f.buyer("b1", credit)
	f.operatorWithNodes("op1", "n1")
	at := base.Add(30 * time.Minute)

	tests := []struct {
		name      string
		charge    int64 // settled before closing
		exhaust   bool  // settle past the hold first
		status    store.LeaseStatus
		wantState store.LeaseStatus
	}{
		{"unused", 0, false, store.LeaseClosed, store.LeaseClosed},
		{"partly used", 3_333, false, store.LeaseClosed, store.LeaseClosed},
		{"expired", 1, false, store.LeaseExpired, store.LeaseExpired},
		{"exhausted", 0, true, store.LeaseClosed, store.LeaseClosed},
	}
	available, earned := int64(credit), int64(0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := f.lease("b1", hold, fee, "n1")
			charged := tt.charge
			if tt.exhaust {
				charged = hold
				tt.charge = hold * 3
			}
			if tt.charge > 0 {
				f.settle(store.Settlement{LeaseID: l.ID, NodeID: "n1", Seq: 1,
					CumChargeMicros: tt.charge, CumFeeMicros: feeOf(tt.charge, fee)})
			}
			got, err := f.s.CloseLease(f.ctx, l.ID, tt.status, at)
			if err != nil {
				t.Fatalf("CloseLease: %v", err)
			}
			if got.Status != tt.wantState || !got.ClosedAt.Equal(at) {
				t.Errorf("CloseLease: got status %s closed %v, want %s at %v", got.Status, got.ClosedAt, tt.wantState, at)
			}
			available -= charged
			earned += charged - feeOf(charged, fee)
			f.wantBalance("b1", available, 0, 0)
			f.wantBalance("op1", 0, 0, earned)

			again, err := f.s.CloseLease(f.ctx, l.ID, store.LeaseExpired, at.Add(time.Hour))
			if err != nil {
				t.Fatalf("CloseLease again: %v", err)
			}
			wantLease(t, "CloseLease again (no-op)", again, got)
			f.wantBalance("b1", available, 0, 0)
		})
	}
	t.Run("rejects", func(t *testing.T) {
		l := f.lease("b1", hold, fee)
		_, err := f.s.CloseLease(f.ctx, l.ID, store.LeaseActive, at)
		wantErr(t, "CloseLease(active)", err, store.ErrInvalid)
		_, err = f.s.CloseLease(f.ctx, "ls-404", store.LeaseClosed, at)
		wantErr(t, "CloseLease(ls-404)", err, store.ErrNotFound)
		if got, err := f.s.Lease(f.ctx, l.ID); err != nil || got.Status != store.LeaseActive {
			t.Errorf("Lease after rejected close: got %s, %v; want active", got.Status, err)
		}
	})
}
