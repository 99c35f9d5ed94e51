package broker_test

import (
	"testing"

	"github.com/sparelink/sparelink/broker/api"
)

// TestMatchPrefersPunchableExits gives a buyer behind a symmetric NAT
// the choice of two equal exits, one behind a full-cone NAT and one
// behind a symmetric NAT: it gets the one it can punch to, whichever
// that is.
func TestMatchPrefersPunchableExits(t *testing.T) {
	m := newMarket(t)
	_, _, op := m.account(api.KindOperator, "op")
	_, buyer := m.buyer("buyer", 1e9)
	_, a := m.node(op, listing("DE", 3320, 1000))
	_, b := m.node(op, listing("DE", 3320, 1000))
	fullCone := &api.NATBehavior{Mapping: api.NATEndpointIndependent, Filtering: api.NATEndpointIndependent}
	symmetric := &api.NATBehavior{Mapping: api.NATAddressDependent, Filtering: api.NATAddressDependent}
	cases := []struct {
		name     string
		coneNode string
		symNode  string
		buyerNAT *api.NATBehavior
		want     string
	}{
		{"first node behind the cone", a.ID, b.ID, symmetric, a.ID},
		{"second node behind the cone", b.ID, a.ID, symmetric, b.ID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for id, nat := range map[string]*api.NATBehavior{tc.coneNode: fullCone, tc.symNode: symmetric} {
				if _, err := op.ReportReachability(m.ctx, id, api.Reachability{Code: api.ReachBehindNAT, NAT: nat}); err != nil {
					t.Fatalf("report: %v", err)
				}
			}
			l, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{Coverage: api.Coverage{Country: "DE"}, NAT: tc.buyerNAT})
			if err != nil {
				t.Fatalf("create lease: %v", err)
			}
			defer buyer.CloseLease(m.ctx, l.ID)
			if len(l.Exits) != 1 || l.Exits[0].NodeID != tc.want {
				t.Errorf("got exits %+v, want %s", l.Exits, tc.want)
			}
		})
	}
	_, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{NAT: &api.NATBehavior{Mapping: "cone", Filtering: "cone"}})
	wantProblem(t, err, 400, api.CodeInvalidRequest)
}
