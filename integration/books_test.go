package integration

import (
	"net/http"
	"testing"

	"github.com/sparelink/sparelink/broker/api"
)

// checkUsage checks that the exits' receipts reached the broker: at least
// every body byte fetched is metered, and the buyer was charged.
func checkUsage(t *testing.T, buyer brokerAPI, lease api.Lease, fetched int64) api.Usage {
	t.Helper()
	var u api.Usage
	buyer.call(t, "GET", "/v1/leases/"+lease.ID+"/usage", nil, http.StatusOK, &u)
	var metered, charged int64
	for _, e := range u.Exits {
		metered += e.BytesUp + e.BytesDown
		charged += e.ChargedMicros
		t.Logf("exit %s: up %d, down %d, charged %d micros", e.NodeID, e.BytesUp, e.BytesDown, e.ChargedMicros)
		// The gateway rotates connections over the lease's exits.
		if e.BytesUp <= 0 || e.BytesDown <= 0 {
			t.Errorf("exit %s: got up %d, down %d bytes, want both > 0", e.NodeID, e.BytesUp, e.BytesDown)
		}
	}
	if len(u.Exits) != len(lease.Exits) {
		t.Errorf("usage: got %d exits, want the lease's %d", len(u.Exits), len(lease.Exits))
	}
	if metered < fetched {
		t.Errorf("metered: got %d bytes, want at least the %d body bytes fetched", metered, fetched)
	}
	if u.ChargedMicros <= 0 || u.ChargedMicros != charged {
		t.Errorf("charged: got %d micros, want > 0 and the exits' sum %d", u.ChargedMicros, charged)
	}
	if u.SellerMicros+u.FeeMicros != u.ChargedMicros {
		t.Errorf("seller %d + fee %d: got %d, want the charge %d", u.SellerMicros, u.FeeMicros, u.SellerMicros+u.FeeMicros, u.ChargedMicros)
	}
	return u
}

// checkBooks closes the lease and checks every balance and the ledger.
func checkBooks(t *testing.T, b *broker, operator, buyer brokerAPI, lease api.Lease, u api.Usage) {
	t.Helper()
	var closed api.Lease
	buyer.call(t, "POST", "/v1/leases/"+lease.ID+"/close", nil, http.StatusOK, &closed)
	if closed.Status != "closed" {
		t.Errorf("closed lease: got status %q, want closed", closed.Status)
	}
	var bb, ob api.Balance
	buyer.call(t, "GET", "/v1/balance", nil, http.StatusOK, &bb)
	operator.call(t, "GET", "/v1/balance", nil, http.StatusOK, &ob)
	checks := []struct {
		name      string
		got, want int64
	}{
		{"buyer available", bb.AvailableMicros, creditMicros - u.ChargedMicros},
		{"buyer held after close", bb.HeldMicros, 0},
		{"operator earned", ob.EarnedMicros, u.SellerMicros},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %d micros, want %d", c.name, c.got, c.want)
		}
	}
	var check api.LedgerCheck
	b.admin.call(t, "GET", "/v1/admin/ledger/check", nil, http.StatusOK, &check)
	if !check.Balanced || check.SumMicros != 0 {
		t.Errorf("ledger check: got %+v, want balanced with sum 0", check)
	}
}
