package egress_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/sparelink/sparelink/relay/egress"
)

func TestParseRule(t *testing.T) {
	pfx := netip.MustParsePrefix
	cases := []struct {
		name string
		in   string
		want egress.Rule
		str  string
	}{
		{"v4 with port", "127.0.0.1:8080", egress.Rule{Prefix: pfx("127.0.0.1/32"), Port: 8080}, "127.0.0.1:8080"},
		{"v4 prefix", "10.0.0.0/8", egress.Rule{Prefix: pfx("10.0.0.0/8")}, "10.0.0.0/8"},
		{"v4 prefix with port", "10.0.0.0/8:443", egress.Rule{Prefix: pfx("10.0.0.0/8"), Port: 443}, "10.0.0.0/8:443"},
		{"v4 prefix with range", "10.0.0.0/8:8000-8999", egress.Rule{Prefix: pfx("10.0.0.0/8"), Port: 8000, PortEnd: 8999}, "10.0.0.0/8:8000-8999"},
		{"v4 bare", "1.1.1.1", egress.Rule{Prefix: pfx("1.1.1.1/32")}, "1.1.1.1"},
		{"v6 with port", "[::1]:80", egress.Rule{Prefix: pfx("::1/128"), Port: 80}, "[::1]:80"},
		{"v6 with range", "[::1]:80-81", egress.Rule{Prefix: pfx("::1/128"), Port: 80, PortEnd: 81}, "[::1]:80-81"},
		{"v6 prefix", "2001:db8::/32", egress.Rule{Prefix: pfx("2001:db8::/32")}, "2001:db8::/32"},
		{"v6 prefix with port", "2001:db8::/32:443", egress.Rule{Prefix: pfx("2001:db8::/32"), Port: 443}, "[2001:db8::/32]:443"},
		{"v6 bracketed prefix port", "[2001:db8::/32]:443", egress.Rule{Prefix: pfx("2001:db8::/32"), Port: 443}, "[2001:db8::/32]:443"},
		{"v6 bare", "2606:4700::1111", egress.Rule{Prefix: pfx("2606:4700::1111/128")}, "2606:4700::1111"},
		{"v6 bracketed no port", "[::1]", egress.Rule{Prefix: pfx("::1/128")}, "::1"},
		{"spaces trimmed", "  10.0.0.0/8 ", egress.Rule{Prefix: pfx("10.0.0.0/8")}, "10.0.0.0/8"},
		{"all v4", "0.0.0.0/0", egress.Rule{Prefix: pfx("0.0.0.0/0")}, "0.0.0.0/0"},
		{"name", "example.com", egress.Rule{Domain: "example.com"}, "example.com"},
		{"name folded", "Example.COM.", egress.Rule{Domain: "example.com"}, "example.com"},
		{"name with port", "example.com:443", egress.Rule{Domain: "example.com", Port: 443}, "example.com:443"},
		{"wildcard name", "*.example.com", egress.Rule{Domain: "*.example.com"}, "*.example.com"},
		{"wildcard name with range", "*.Example.com:8000-8999", egress.Rule{Domain: "*.example.com", Port: 8000, PortEnd: 8999}, "*.example.com:8000-8999"},
		{"wildcard over a tld", "*.example", egress.Rule{Domain: "*.example"}, "*.example"},
		{"underscore label", "_srv.example.com", egress.Rule{Domain: "_srv.example.com"}, "_srv.example.com"},
		{"any host port", "*:25", egress.Rule{AnyHost: true, Port: 25}, "*:25"},
		{"any host range", "*:6000-6999", egress.Rule{AnyHost: true, Port: 6000, PortEnd: 6999}, "*:6000-6999"},
		{"any host every port", "*:1-65535", egress.Rule{AnyHost: true, Port: 1, PortEnd: 65535}, "*:1-65535"},
		{"any host no port", "*", egress.Rule{AnyHost: true}, "*"},
		{"range of one", "1.1.1.1:443-443", egress.Rule{Prefix: pfx("1.1.1.1/32"), Port: 443}, "1.1.1.1:443"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := egress.ParseRule(tc.in)
			if err != nil {
				t.Fatalf("ParseRule(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("ParseRule(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
			if s := got.String(); s != tc.str {
				t.Errorf("String() = %q, want %q", s, tc.str)
			}
		})
	}
}

func TestParseRuleRejects(t *testing.T) {
	cases := []struct {
		in, msg string // msg is a part of the error the owner must see
	}{
		{"", "missing address"},
		{"10.0.0.1/8", "host bits set; did you mean 10.0.0.0/8"},
		{"10.0.0.0/33", "prefix length out of range"},
		{"10.0.0.0/8:", "empty port"},
		{"10.0.0.0/8:0", `port "0" is not in 1-65535`},
		{"10.0.0.0/8:65536", "not in 1-65535"},
		{"1.2.3.4:http", `port "http"`},
		{"1.2.3.4:-1", `port ""`},
		{"1.2.3.4:+80", `port "+80"`},
		{"1.2.3.4:8999-8000", `port range "8999-8000" runs backwards`},
		{"1.2.3.4:80-", `port ""`},
		{"1.2.3.4:80-90-100", `port "90-100"`},
		{"1.2.3.4:", "empty port"},
		{":80", "missing address"},
		{"[::1", "unclosed bracket"},
		{"[::1]80", "after bracket"},
		{"[::1]:", "after bracket"},
		{"::ffff:127.0.0.1", "IPv4 form"},
		{"[::ffff:0:0/96]", "IPv4 form"},
		{"fe80::1%eth0", "zones"},
		{"[fe80::1%eth0]:80", "zones"},
		{"0177.0.0.1", "not a dotted-quad"},
		{"127.1:80", "not a dotted-quad"},
		{"2130706433", "not a dotted-quad"},
		{"0x7f.1", "not a dotted-quad"},
		{"1.2.3.4/", "bad bits"},
		{"/8", "ParseAddr"},
		{"localhost", "always refused"},
		{"localhost:80", "always refused"},
		{"nas", "always refused"},
		{"printer.local", "always refused"},
		{"*.local", "always refused"},
		{"*.home.arpa", "always refused"},
		{"router.lan:80", "always refused"},
		{"example.123", "not a dotted-quad"},
		{"*.1.2.3.4", "not a dotted-quad"},
		{"*example.com", "not allowed in a name"},
		{"*.*.example.com", "not allowed in a name"},
		{"ex ample.com", "not allowed in a name"},
		{"[example.com]:80", "ParseAddr"},
		{"example..com", "label length"},
		{"*.", "not allowed in a name"},
		{"*:0", "not in 1-65535"},
		{"[*]:25", "ParseAddr"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := egress.ParseRule(tc.in)
			if !errors.Is(err, egress.ErrInvalidRule) {
				t.Fatalf("ParseRule(%q) = %+v, %v; want an error wrapping ErrInvalidRule", tc.in, got, err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("ParseRule(%q) error %q, want it to say %q", tc.in, err, tc.msg)
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
