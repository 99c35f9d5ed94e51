package broker_test

import (
	"net/http"
	"testing"

	"github.com/sparelink/sparelink/broker/api"
)

// TestKeySpendLimits gives a buyer key a spend limit and a byte limit:
// leases and extensions bought with it stop at the limits with 402
// key_limit_reached, while the buyer's other keys are not held to them.
func TestKeySpendLimits(t *testing.T) {
	m := newMarket(t)
	_, _, op := m.account(api.KindOperator, "op")
	m.node(op, listing("DE", 3320, 1_000_000)) // 1 unit per GB
	a, buyer := m.buyer("buyer", 1e9)
	k, err := m.admin.CreateKey(m.ctx, api.CreateKeyRequest{AccountID: a.ID, SpendLimitMicros: 3_000_000, ByteLimit: 5e9})
	if err != nil {
		t.Fatalf("create limited key: %v", err)
	}
	if k.SpendLimitMicros != 3_000_000 || k.ByteLimit != 5e9 {
		t.Fatalf("key %+v, want its limits shown", k)
	}
	capped := m.client(k.Key)
	l, err := capped.CreateLease(m.ctx, "", api.LeaseRequest{MaxBytes: 2e9}) // holds 2,000,000 micros
	if err != nil {
		t.Fatalf("lease within the limits: %v", err)
	}
	_, err = capped.CreateLease(m.ctx, "", api.LeaseRequest{MaxBytes: 1.5e9})
	wantProblem(t, err, http.StatusPaymentRequired, api.CodeKeyLimitReached)
	_, err = capped.ExtendLease(m.ctx, "", l.ID, api.ExtendLeaseRequest{AddBytes: 1.5e9})
	wantProblem(t, err, http.StatusPaymentRequired, api.CodeKeyLimitReached)
	if _, err := capped.ExtendLease(m.ctx, "", l.ID, api.ExtendLeaseRequest{AddBytes: 1e9}); err != nil {
		t.Errorf("extension up to the spend limit: %v", err)
	}
	// The buyer's own key has no limits.
	if _, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{MaxBytes: 2e9}); err != nil {
		t.Errorf("lease with an unlimited key: %v", err)
	}
	_, err = m.admin.CreateKey(m.ctx, api.CreateKeyRequest{AccountID: a.ID, SpendLimitMicros: -1})
	wantProblem(t, err, http.StatusBadRequest, api.CodeInvalidRequest)
	_, err = op.CreateKey(m.ctx, api.CreateKeyRequest{SpendLimitMicros: 10})
	wantProblem(t, err, http.StatusBadRequest, api.CodeInvalidRequest)
}
