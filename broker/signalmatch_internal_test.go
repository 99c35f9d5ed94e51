package broker

import (
	"testing"

	"github.com/sparelink/sparelink/broker/api"
)

func TestCanPunch(t *testing.T) {
	nat := func(m, f string) api.NATBehavior { return api.NATBehavior{Mapping: m, Filtering: f} }
	ei, ad, unk := api.NATEndpointIndependent, api.NATAddressDependent, api.NATUnknown
	cases := []struct {
		name string
		a, b api.NATBehavior
		want bool
	}{
		{"two full cones", nat(ei, ei), nat(ei, ei), true},
		{"two port-restricted cones", nat(ei, ad), nat(ei, ad), true},
		{"symmetric and full cone", nat(ad, ad), nat(ei, ei), true},
		{"full cone and symmetric", nat(ei, ei), nat(ad, ad), true},
		{"symmetric and restricted cone", nat(ad, ad), nat(ei, ad), false},
		{"restricted cone and symmetric", nat(ei, ad), nat(ad, ad), false},
		{"two symmetric", nat(ad, ad), nat(ad, ad), false},
		{"symmetric and unknown filtering", nat(ad, ad), nat(ei, unk), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := canPunch(tc.a, tc.b); got != tc.want {
				t.Errorf("canPunch(%+v, %+v): got %v, want %v", tc.a, tc.b, got, tc.want)
			}
		})
	}
}
