package status_test

import (
	"strings"
	"testing"

	"github.com/sparelink/sparelink/agent/status"
)

func TestWriteTextTraversal(t *testing.T) {
	cases := []struct {
		name string
		tr   *status.Traversal
		want string // "" means no NAT line
	}{
		{"not punching", nil, ""},
		{"public", &status.Traversal{NATMapping: "endpoint_independent", NATFiltering: "endpoint_independent", Path: "direct"},
			"buyers dial the exit directly"},
		{"waiting for a relay", &status.Traversal{NATMapping: "address_dependent", NATFiltering: "address_dependent", Path: "punch"},
			"mapping address_dependent, filtering address_dependent; buyers punch a hole; no relay assigned yet"},
		{"relay connected", &status.Traversal{NATMapping: "endpoint_independent", NATFiltering: "address_dependent", Path: "punch",
			Relay: "nd_relay", RelayConnected: true, OpenPaths: 2, Punched: 5, Failed: 1},
			"use relay nd_relay (connected); 2 punched paths open, 5 punched, 1 failed"},
		{"relay lost", &status.Traversal{NATMapping: "unknown", NATFiltering: "unknown", Path: "punch", Relay: "nd_relay"},
			"use relay nd_relay (not connected)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := status.WriteText(&b, status.Status{NodeID: "nd_abc", Traversal: tc.tr}); err != nil {
				t.Fatal(err)
			}
			got := b.String()
			if tc.want == "" && strings.Contains(got, "NAT ") {
				t.Errorf("got a NAT line, want none:\n%s", got)
			}
			if tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("got:\n%s\nwant it to contain %q", got, tc.want)
			}
		})
	}
}
