package egress_test

import (
	"context"
	"slices"
	"testing"

	"github.com/sparelink/sparelink/relay/egress"
	"github.com/sparelink/sparelink/relay/egress/egresstest"
)

func rules(t *testing.T, ss ...string) []egress.Rule {
	t.Helper()
	out := make([]egress.Rule, len(ss))
	for i, s := range ss {
		out[i] = mustRule(t, s)
	}
	return out
}

func TestPortRanges(t *testing.T) {
	p := newPolicy(t, egress.Config{
		Allow: rules(t, "127.0.0.0/8:8000-8999", "1.1.1.1:20-30", "9.9.9.9"),
		Deny:  rules(t, "1.2.3.0/24:8000-8999", "[2606:4700::/32]:6000-6001", "*:6660-6669"),
	})
	runCheckCases(t, p, []checkCase{
		{"deny range low end", "1.2.3.4:8000", egress.ReasonOwnerDeny},
		{"deny range high end", "1.2.3.4:8999", egress.ReasonOwnerDeny},
		{"below deny range", "1.2.3.4:7999", ""},
		{"above deny range", "1.2.3.4:9000", ""},
		{"deny range through nat64", "[64:ff9b::102:304]:8500", egress.ReasonOwnerDeny},
		{"v6 deny range", "[2606:4700::1111]:6001", egress.ReasonOwnerDeny},
		{"v6 outside deny range", "[2606:4700::1111]:6002", ""},
		{"allow range opens loopback", "127.0.0.1:8500", ""},
		{"allow range other loopback", "127.9.9.9:8000", ""},
		{"allow range ends", "127.0.0.1:9000", egress.ReasonLoopback},
		{"allow range opens smtp", "1.1.1.1:25", ""},
		{"allow range keeps other ports", "1.1.1.1:31", ""},
		{"port rule closes its range", "8.8.8.8:6665", egress.ReasonPort},
		{"port rule beside its range", "8.8.8.8:6670", ""},
		{"port-less allow keeps port rule", "9.9.9.9:6660", egress.ReasonPort},
		{"port-less allow keeps smtp", "9.9.9.9:587", egress.ReasonPort},
	})
}

func TestWebOnly(t *testing.T) {
	res := egresstest.NewResolver().
		Answer("git.example.com", "1.1.1.1").
		Answer("other.example.com", "1.1.1.1")
	p := newPolicy(t, egress.Config{
		WebOnly:  true,
		Resolver: res,
		Allow:    rules(t, "*:8443", "1.0.0.1:22", "git.example.com:9418", "8.8.8.8"),
	})
	runCheckCases(t, p, []checkCase{
		{"http", "1.1.1.1:80", ""},
		{"https", "[2606:4700::1111]:443", ""},
		{"ssh", "1.1.1.1:22", egress.ReasonPort},
		{"alt http", "1.1.1.1:8080", egress.ReasonPort},
		{"dns", "1.1.1.1:53", egress.ReasonPort},
		{"smtp", "1.1.1.1:25", egress.ReasonPort},
		{"port rule reopens", "1.1.1.1:8443", ""},
		{"address rule with port", "1.0.0.1:22", ""},
		{"port-less address rule", "8.8.8.8:53", egress.ReasonPort},
		{"port-less address rule on web", "8.8.8.8:443", ""},
		{"reopened port keeps loopback closed", "127.0.0.1:8443", egress.ReasonLoopback},
		{"web port keeps private closed", "192.168.0.1:80", egress.ReasonPrivate},
	})
	runResolveCasesPort(t, p, 9418, []resolveCase{
		{name: "name rule opens its port", host: "git.example.com", want: []string{"1.1.1.1"}},
		{name: "other name stays closed", host: "other.example.com", reason: egress.ReasonPort},
		{name: "literal stays closed", host: "1.1.1.1", reason: egress.ReasonPort},
	})

	both := newPolicy(t, egress.Config{WebOnly: true, DeniedPorts: []uint16{443}})
	runCheckCases(t, both, []checkCase{
		{"denied ports apply on top", "1.1.1.1:443", egress.ReasonPort},
		{"other web port open", "1.1.1.1:80", ""},
	})
}

func TestNameRules(t *testing.T) {
	res := egresstest.NewResolver().
		Answer("ads.example", "1.1.1.1").
		Answer("x.ads.example", "1.1.1.1").
		Answer("tracker.example.org", "1.1.1.1").
		Answer("good.example.org", "1.1.1.1").
		Answer("cdn.example.net", "1.2.3.4").
		Answer("other.example.net", "1.2.3.4").
		Answer("mail.example.net", "1.1.1.1").
		Answer("loop.partner.example", "127.0.0.1").
		Answer("meta.partner.example", "169.254.169.254").
		Answer("own.partner.example", "81.2.69.160").
		Answer("mixed.partner.example", "10.0.0.1", "1.1.1.1", "::1").
		Answer("nat64.partner.example", "64:ff9b::7f00:1")
	p := newPolicy(t, egress.Config{
		Resolver: res,
		Allow:    rules(t, "good.example.org", "cdn.example.net", "mail.example.net:25", "*.partner.example"),
		Deny:     rules(t, "*.ads.example", "*.example.org", "1.2.3.0/24", "ads.example:8080-8090"),
	})
	runResolveCases(t, p, []resolveCase{
		{name: "wildcard covers below", host: "x.ads.example", reason: egress.ReasonOwnerDeny},
		{name: "wildcard skips the name itself", host: "ads.example", want: []string{"1.1.1.1"}},
		{name: "deny spelled differently", host: "TRACKER.example.ORG.", reason: egress.ReasonOwnerDeny},
		{name: "allow name beats deny name", host: "good.example.org", want: []string{"1.1.1.1"}},
		{name: "allow name beats address deny", host: "cdn.example.net", want: []string{"1.2.3.4"}},
		{name: "address deny without allow", host: "other.example.net", reason: egress.ReasonOwnerDeny},
		{name: "literal is not the name", host: "1.2.3.4", reason: egress.ReasonOwnerDeny},
		{name: "allow name keeps loopback closed", host: "loop.partner.example", reason: egress.ReasonLoopback},
		{name: "allow name keeps metadata closed", host: "meta.partner.example", reason: egress.ReasonMetadata},
		{name: "allow name keeps host closed", host: "own.partner.example", reason: egress.ReasonHostLocal},
		{name: "allow name keeps nat64 loopback closed", host: "nat64.partner.example", reason: egress.ReasonLoopback},
		{name: "allow name drops refused answers", host: "mixed.partner.example", want: []string{"1.1.1.1"}},
	})
	runResolveCasesPort(t, p, 25, []resolveCase{
		{name: "name with port opens smtp", host: "mail.example.net", want: []string{"1.1.1.1"}},
		{name: "port-less name keeps smtp", host: "cdn.example.net", reason: egress.ReasonPort},
	})
	runResolveCasesPort(t, p, 8085, []resolveCase{
		{name: "name deny with range", host: "ads.example", reason: egress.ReasonOwnerDeny},
	})
	for _, name := range res.Lookups() {
		if slices.Contains([]string{"x.ads.example.", "tracker.example.org."}, name) {
			t.Errorf("denied name %q reached the resolver", name)
		}
	}
}

func TestDenyEverythingElse(t *testing.T) {
	res := egresstest.NewResolver().
		Answer("api.partner.example", "1.1.1.1").
		Answer("other.example", "1.1.1.1")
	p := newPolicy(t, egress.Config{
		Resolver: res,
		Allow:    rules(t, "*.partner.example:443", "9.9.9.9:443"),
		Deny:     rules(t, "*"),
	})
	runResolveCases(t, p, []resolveCase{
		{name: "allowed name", host: "api.partner.example", want: []string{"1.1.1.1"}},
		{name: "other name", host: "other.example", reason: egress.ReasonOwnerDeny},
		{name: "allowed address", host: "9.9.9.9", want: []string{"9.9.9.9"}},
		{name: "other address", host: "1.1.1.1", reason: egress.ReasonOwnerDeny},
		{name: "built-in still first", host: "127.0.0.1", reason: egress.ReasonLoopback},
	})
	runResolveCasesPort(t, p, 80, []resolveCase{
		{name: "allowed name other port", host: "api.partner.example", reason: egress.ReasonOwnerDeny},
	})
}

func runResolveCasesPort(t *testing.T, p *egress.Policy, port uint16, cases []resolveCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := p.Resolve(context.Background(), tc.host, port)
			if tc.reason != "" || err != nil {
				if r := reasonOf(t, err); r != tc.reason {
					t.Fatalf("Resolve(%q, %d) reason = %q (err %v), want %q", tc.host, port, r, err, tc.reason)
				}
			}
			if want := addrPorts(tc.want, port); !slices.Equal(got, want) {
				t.Errorf("Resolve(%q, %d) = %v, want %v", tc.host, port, got, want)
			}
		})
	}
}
