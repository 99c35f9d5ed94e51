package egress_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/sparelink/sparelink/relay/egress"
	"github.com/sparelink/sparelink/relay/egress/egresstest"
)

// oracleRanges is an independent list of what must never be reached,
// checked together with the standard library's own predicates.
var oracleRanges = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("224.0.0.0/3"), // multicast and class E together
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("168.63.129.16/32"),
}

// forbidden says whether an exit must never reach a. It shares no code
// with the policy.
func forbidden(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsGlobalUnicast() || a.IsPrivate() || a.IsLoopback() {
		return true
	}
	for _, p := range oracleRanges {
		if p.Contains(a) {
			return true
		}
	}
	if a.Is4() {
		return false
	}
	b := a.As16()
	switch {
	case b[0] == 0x00: // everything under ::/8, NAT64 included
		return !netip.MustParsePrefix("64:ff9b::/96").Contains(a) ||
			forbidden(netip.AddrFrom4([4]byte(b[12:16])))
	case b[0] == 0x20 && b[1] == 0x02: // 6to4
		return forbidden(netip.AddrFrom4([4]byte(b[2:6])))
	case b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0: // Teredo
		client := [4]byte{^b[12], ^b[13], ^b[14], ^b[15]}
		return forbidden(netip.AddrFrom4([4]byte(b[4:8]))) || forbidden(netip.AddrFrom4(client))
	}
	return b[0]&0xe0 != 0x20 // outside 2000::/3
}

// numericLooking says whether a host must be read as an IPv4 number.
func numericLooking(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	last := h[strings.LastIndex(h, ".")+1:]
	if last == "" || strings.ContainsAny(host, "[]:") {
		return false
	}
	digits := "0123456789"
	if strings.HasPrefix(last, "0x") {
		last, digits = last[2:], "0123456789abcdef"
	}
	return strings.Trim(last, digits) == ""
}

func FuzzResolveHost(f *testing.F) {
	f.Fuzz(func(t *testing.T, host string) {
		res := egresstest.NewResolver() // knows no names: any address came from the host itself
		p, err := egress.New(egress.Config{
			Resolver:  res,
			HostAddrs: func() ([]netip.Addr, error) { return nil, nil },
		}, nil)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		got, err := p.Resolve(context.Background(), host, 443)
		if err != nil && !errors.Is(err, egress.ErrDenied) && !errors.Is(err, egress.ErrDNS) &&
			!errors.Is(err, egress.ErrInvalidHost) {
			t.Fatalf("Resolve(%q) error %v wraps no sentinel", host, err)
		}
		for _, ap := range got {
			if a := ap.Addr(); forbidden(a) || a.Zone() != "" || a.Is4In6() || ap.Port() != 443 {
				t.Errorf("Resolve(%q) returned %s", host, ap)
			}
		}
		lookups := res.Lookups()
		if len(lookups) > 0 && numericLooking(host) {
			t.Errorf("numeric host %q reached the resolver as %q", host, lookups)
		}
		for _, name := range lookups {
			if !strings.HasSuffix(name, ".") || strings.Count(name, ".") < 2 ||
				strings.HasSuffix(name, ".localhost.") || strings.HasSuffix(name, ".local.") {
				t.Errorf("Resolve(%q) looked up %q", host, name)
			}
		}
	})
}

func FuzzParseRule(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		r, err := egress.ParseRule(s)
		if err != nil {
			if !errors.Is(err, egress.ErrInvalidRule) {
				t.Fatalf("ParseRule(%q) error %v does not wrap ErrInvalidRule", s, err)
			}
			return
		}
		if p := r.Prefix; p.IsValid() && (p.Masked() != p || p.Addr().Zone() != "" || p.Addr().Is4In6()) {
			t.Fatalf("ParseRule(%q) = %+v, not a canonical prefix", s, r)
		}
		if r.PortEnd != 0 && r.PortEnd <= r.Port {
			t.Fatalf("ParseRule(%q) = %+v, an empty or one-port range", s, r)
		}
		again, err := egress.ParseRule(r.String())
		if err != nil || again != r {
			t.Fatalf("ParseRule(%q).String() = %q reparses to %+v, %v", s, r.String(), again, err)
		}
		cfg := egress.Config{Deny: []egress.Rule{r}, HostAddrs: func() ([]netip.Addr, error) { return nil, nil }}
		if _, err := egress.New(cfg, nil); err != nil {
			t.Fatalf("ParseRule(%q) = %+v, which New refuses as a deny rule: %v", s, r, err)
		}
	})
}
