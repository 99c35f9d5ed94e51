package egress_test

import (
	"net/netip"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/sparelink/sparelink/relay/egress"
)

func TestSummary(t *testing.T) {
	const builtins = "deny: loopback,private,link-local,cgnat,multicast,unspecified,reserved,metadata,host-local,local-name"
	rules := func(ss ...string) []egress.Rule {
		out := make([]egress.Rule, len(ss))
		for i, s := range ss {
			out[i] = mustRule(t, s)
		}
		return out
	}
	cases := []struct {
		name string
		cfg  egress.Config
		want string
	}{
		{"default", egress.Config{}, builtins + "; ports 25,465,587 closed; 0 allow rules, 0 deny rules"},
		{"one allow", egress.Config{Allow: rules("127.0.0.1:8080")},
			builtins + "; ports 25,465,587 closed; 1 allow rule, 0 deny rules"},
		{"ports sorted and deduplicated", egress.Config{DeniedPorts: []uint16{587, 22, 25, 22}},
			builtins + "; ports 22,25,587 closed; 0 allow rules, 0 deny rules"},
		{"no ports", egress.Config{DeniedPorts: []uint16{}, Deny: rules("1.0.0.0/8", "2.0.0.0/8")},
			builtins + "; no ports closed; 0 allow rules, 2 deny rules"},
		{"port rules close and open ranges", egress.Config{Deny: rules("*:6000-6999", "*:22"), Allow: rules("*:25")},
			builtins + "; ports 22,465,587,6000-6999 closed; 1 allow rule, 2 deny rules"},
		{"name rules counted", egress.Config{Allow: rules("*.example.com:443", "1.1.1.1"), Deny: rules("ads.example", "example.org")},
			builtins + "; ports 25,465,587 closed; 2 allow rules (1 by name), 2 deny rules (2 by name)"},
		{"deny everything else", egress.Config{Allow: rules("api.example.com"), Deny: rules("*")},
			builtins + "; ports 25,465,587 closed; 1 allow rule (1 by name), 1 deny rule (all else denied)"},
		{"web only", egress.Config{WebOnly: true},
			builtins + "; web only: ports 80,443 open; 0 allow rules, 0 deny rules"},
		{"web only with a port reopened", egress.Config{WebOnly: true, Allow: rules("*:8443")},
			builtins + "; web only: ports 80,443,8443 open; 1 allow rule, 0 deny rules"},
		{"web only minus a denied port", egress.Config{WebOnly: true, DeniedPorts: []uint16{80}},
			builtins + "; web only: ports 443 open; 0 allow rules, 0 deny rules"},
		{"most ports closed by rule", egress.Config{Deny: rules("*:1-79", "*:81-65535")},
			builtins + "; only ports 80 open; 0 allow rules, 2 deny rules"},
		{"every port closed", egress.Config{Deny: rules("*:1-65535")},
			builtins + "; no ports open; 0 allow rules, 1 deny rule"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := newPolicy(t, tc.cfg).Summary(); got != tc.want {
				t.Errorf("Summary() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNewWarnsOnMetadataAllow(t *testing.T) {
	cases := []struct {
		name  string
		allow string
		warns int
	}{
		{"everything", "0.0.0.0/0", 1},
		{"link-local range", "169.254.0.0/16:80", 1},
		{"v6 ula", "fd00::/8", 1},
		{"one origin", "127.0.0.1:8080", 0},
		{"lan", "192.168.1.0/24", 0},
		{"name", "metadata.example.com", 0},
		{"port", "*:80", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			core, logs := observer.New(zap.WarnLevel)
			_, err := egress.New(egress.Config{
				Allow:     []egress.Rule{mustRule(t, tc.allow)},
				HostAddrs: func() ([]netip.Addr, error) { return nil, nil },
			}, zap.New(core))
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if got := logs.FilterMessageSnippet("cloud metadata").Len(); got != tc.warns {
				t.Errorf("warnings = %d, want %d", got, tc.warns)
			}
		})
	}
}
