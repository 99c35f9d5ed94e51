package egress_test

import (
	"errors"
	"net/netip"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/sparelink/sparelink/relay/egress"
)

func TestParseRule(t *testing.T) {
	cases := []struct {
		name   string
		in     string
		prefix string
		port   uint16
		str    string
	}{
		{"v4 with port", "127.0.0.1:8080", "127.0.0.1/32", 8080, "127.0.0.1:8080"},
		{"v4 prefix", "10.0.0.0/8", "10.0.0.0/8", 0, "10.0.0.0/8"},
		{"v4 prefix with port", "10.0.0.0/8:443", "10.0.0.0/8", 443, "10.0.0.0/8:443"},
		{"v4 bare", "1.1.1.1", "1.1.1.1/32", 0, "1.1.1.1"},
		{"v6 with port", "[::1]:80", "::1/128", 80, "[::1]:80"},
		{"v6 prefix", "2001:db8::/32", "2001:db8::/32", 0, "2001:db8::/32"},
		{"v6 prefix with port", "2001:db8::/32:443", "2001:db8::/32", 443, "[2001:db8::/32]:443"},
		{"v6 bracketed prefix port", "[2001:db8::/32]:443", "2001:db8::/32", 443, "[2001:db8::/32]:443"},
		{"v6 bare", "2606:4700::1111", "2606:4700::1111/128", 0, "2606:4700::1111"},
		{"v6 bracketed no port", "[::1]", "::1/128", 0, "::1"},
		{"spaces trimmed", "  10.0.0.0/8 ", "10.0.0.0/8", 0, "10.0.0.0/8"},
		{"all v4", "0.0.0.0/0", "0.0.0.0/0", 0, "0.0.0.0/0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := egress.ParseRule(tc.in)
			if err != nil {
				t.Fatalf("ParseRule(%q): %v", tc.in, err)
			}
			want := egress.Rule{Prefix: netip.MustParsePrefix(tc.prefix), Port: tc.port}
			if got != want {
				t.Errorf("ParseRule(%q) = %+v, want %+v", tc.in, got, want)
			}
			if s := got.String(); s != tc.str {
				t.Errorf("String() = %q, want %q", s, tc.str)
			}
		})
	}
}

func TestParseRuleRejects(t *testing.T) {
	for _, in := range []string{
		"", "example.com", "example.com:80", "10.0.0.1/8", "10.0.0.0/33",
		"10.0.0.0/8:", "10.0.0.0/8:0", "10.0.0.0/8:65536", "1.2.3.4:http",
		"1.2.3.4:-1", "[::1", "[::1]80", "[::1]:", "::ffff:127.0.0.1",
		"[::ffff:0:0/96]", "fe80::1%eth0", "[fe80::1%eth0]:80", "0177.0.0.1",
		"127.1:80", "1.2.3.4/", "/8",
	} {
		t.Run(in, func(t *testing.T) {
			got, err := egress.ParseRule(in)
			if !errors.Is(err, egress.ErrInvalidRule) {
				t.Errorf("ParseRule(%q) = %+v, %v; want an error wrapping ErrInvalidRule", in, got, err)
			}
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	listErr := errors.New("netlink unavailable")
	cases := []struct {
		name string
		cfg  egress.Config
		want error
	}{
		{"zero allow rule", egress.Config{Allow: []egress.Rule{{}}}, egress.ErrInvalidRule},
		{"host bits in deny", egress.Config{Deny: []egress.Rule{{Prefix: netip.MustParsePrefix("10.1.2.3/8")}}}, egress.ErrInvalidRule},
		{"mapped allow", egress.Config{Allow: []egress.Rule{{Prefix: netip.MustParsePrefix("::ffff:127.0.0.1/128")}}}, egress.ErrInvalidRule},
		{"host list fails", egress.Config{HostAddrs: func() ([]netip.Addr, error) { return nil, listErr }}, listErr},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := egress.New(tc.cfg, nil)
			if !errors.Is(err, tc.want) {
				t.Errorf("New = %v, %v; want an error wrapping %v", p, err, tc.want)
			}
		})
	}
}

func TestRulePrecedence(t *testing.T) {
	cfg := egress.Config{
		Allow: []egress.Rule{
			mustRule(t, "10.0.0.5:80"),
			mustRule(t, "192.168.1.0/24"),
			mustRule(t, "192.168.1.7:25"),
			mustRule(t, "127.0.0.1:8080"),
			mustRule(t, "1.1.1.1"),
			mustRule(t, "81.2.69.160:443"),
		},
		Deny: []egress.Rule{
			mustRule(t, "10.0.0.0/8"),
			mustRule(t, "1.1.1.0/24"),
			mustRule(t, "9.9.9.9:443"),
			mustRule(t, "2606:4700::/32:8443"),
		},
	}
	runCheckCases(t, newPolicy(t, cfg), []checkCase{
		{"allow beats owner deny", "10.0.0.5:80", ""},
		{"allow is port exact", "10.0.0.5:81", egress.ReasonPrivate},
		{"allow is prefix exact", "10.0.0.6:80", egress.ReasonPrivate},
		{"allow prefix any port", "192.168.1.7:22", ""},
		{"any-port allow keeps smtp closed", "192.168.1.8:25", egress.ReasonPort},
		{"explicit smtp allow", "192.168.1.7:25", ""},
		{"allow loopback port", "127.0.0.1:8080", ""},
		{"allow matches mapped spelling", "[::ffff:127.0.0.1]:8080", ""},
		{"allow does not follow nat64", "[64:ff9b::127.0.0.1]:8080", egress.ReasonLoopback},
		{"other loopback port", "127.0.0.1:8081", egress.ReasonLoopback},
		{"allow over own deny", "1.1.1.1:443", ""},
		{"owner deny prefix", "1.1.1.2:443", egress.ReasonOwnerDeny},
		{"owner deny mapped", "[::ffff:1.1.1.2]:443", egress.ReasonOwnerDeny},
		{"owner deny nat64", "[64:ff9b::101:102]:443", egress.ReasonOwnerDeny},
		{"owner deny port only", "9.9.9.9:443", egress.ReasonOwnerDeny},
		{"owner deny other port", "9.9.9.9:53", ""},
		{"owner deny v6 port", "[2606:4700::1111]:8443", egress.ReasonOwnerDeny},
		{"owner deny v6 other port", "[2606:4700::1111]:443", ""},
		{"allow own address", "81.2.69.160:443", ""},
		{"own address other port", "81.2.69.160:80", egress.ReasonHostLocal},
	})
}

func TestDeniedPorts(t *testing.T) {
	cases := []struct {
		name  string
		ports []uint16
		addr  string
		want  egress.Reason
	}{
		{"default closes smtp", nil, "1.1.1.1:25", egress.ReasonPort},
		{"custom list replaces default", []uint16{22}, "1.1.1.1:25", ""},
		{"custom list closes its port", []uint16{22}, "1.1.1.1:22", egress.ReasonPort},
		{"empty list closes none", []uint16{}, "1.1.1.1:587", ""},
		{"zero in list ignored", []uint16{0}, "1.1.1.1:443", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newPolicy(t, egress.Config{DeniedPorts: tc.ports})
			if got := reasonOf(t, p.CheckAddr(netip.MustParseAddrPort(tc.addr))); got != tc.want {
				t.Errorf("CheckAddr(%s) reason = %q, want %q", tc.addr, got, tc.want)
			}
		})
	}
}

func TestSummary(t *testing.T) {
	const builtins = "deny: loopback,private,link-local,cgnat,multicast,unspecified,reserved,metadata,host-local,local-name"
	cases := []struct {
		name string
		cfg  egress.Config
		want string
	}{
		{"default", egress.Config{}, builtins + "; ports 25,465,587 closed; 0 allow rules, 0 deny rules"},
		{"one allow", egress.Config{Allow: []egress.Rule{mustRule(t, "127.0.0.1:8080")}},
			builtins + "; ports 25,465,587 closed; 1 allow rule, 0 deny rules"},
		{"ports sorted and deduplicated", egress.Config{DeniedPorts: []uint16{587, 22, 25, 22}},
			builtins + "; ports 22,25,587 closed; 0 allow rules, 0 deny rules"},
		{"no ports", egress.Config{DeniedPorts: []uint16{}, Deny: []egress.Rule{mustRule(t, "1.0.0.0/8"), mustRule(t, "2.0.0.0/8")}},
			builtins + "; no ports closed; 0 allow rules, 2 deny rules"},
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
