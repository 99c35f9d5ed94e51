package broker_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/api"
)

func TestCloseAndExpiry(t *testing.T) {
	m := newMarket(t)
	m.supply()
	_, buyer := m.buyer("closer", 1e9)
	_, other := m.buyer("other", 1e9)
	closed, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{MaxBytes: 1e9})
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.CloseLease(m.ctx, closed.ID)
	wantProblem(t, err, http.StatusNotFound, api.CodeNotFound)
	got, err := buyer.CloseLease(m.ctx, closed.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != api.LeaseClosed || got.ClosedAt.IsZero() || got.Exits[0].QUIC.Token != "" {
		t.Errorf("got closed lease %+v, want closed, with a close time and no tokens", got)
	}
	swept, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{MaxBytes: 1e9, DurationSeconds: 60})
	if err != nil {
		t.Fatal(err)
	}
	lazy, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{MaxBytes: 1e9, DurationSeconds: 90})
	if err != nil {
		t.Fatal(err)
	}
	m.clock.Advance(61 * time.Second)
	if err := m.broker.Sweep(m.ctx); err != nil {
		t.Fatalf("sweep: %v", err)
	}
	if s, err := m.store.Lease(m.ctx, swept.ID); err != nil || s.Status != "expired" {
		t.Errorf("after sweep lease %s is %q (%v), want expired", swept.ID, s.Status, err)
	}
	if s, err := m.store.Lease(m.ctx, lazy.ID); err != nil || s.Status != "active" {
		t.Errorf("lease %s is %q (%v) before its time, want active", lazy.ID, s.Status, err)
	}
	m.clock.Advance(30 * time.Second)
	read, err := buyer.Lease(m.ctx, lazy.ID)
	if err != nil {
		t.Fatal(err)
	}
	if read.Status != api.LeaseExpired {
		t.Errorf("read lease after expiry is %q, want expired", read.Status)
	}
	bal, err := buyer.Balance(m.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if bal.HeldMicros != 0 || bal.AvailableMicros != 1e9 {
		t.Errorf("got balance %+v, want every hold released", bal)
	}
}
