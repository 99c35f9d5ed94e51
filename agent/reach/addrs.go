package reach

import (
	"cmp"
	"net"
	"net/netip"
	"slices"
	"strings"
)

// IfaceAddr is an address assigned to a local interface.
type IfaceAddr struct {
	Iface string
	Addr  netip.Addr
}

var (
	cgnatRange = netip.MustParsePrefix("100.64.0.0/10")
	// notGlobal are IPv4 ranges that are never a public address, beyond
	// what netip.Addr's predicates cover. The documentation ranges
	// (192.0.2.0/24 and so on) count as public, so that examples and
	// tests can stand for real addresses with them.
	notGlobal = []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"),
		netip.MustParsePrefix("192.0.0.0/24"),
		netip.MustParsePrefix("198.18.0.0/15"),
		netip.MustParsePrefix("240.0.0.0/4"),
	}
)

// kind is what an IPv4 address says about the path to the internet.
type kind int

const (
	kindOther   kind = iota // loopback, link-local, reserved: no evidence
	kindPublic              // routable on the internet
	kindPrivate             // RFC 1918: behind a home router
	kindCGNAT               // RFC 6598: behind the ISP's NAT
)

func classify(a netip.Addr) kind {
	a = a.Unmap()
	switch {
	case !a.Is4() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsMulticast() || a.IsUnspecified():
		return kindOther
	case cgnatRange.Contains(a):
		return kindCGNAT
	case a.IsPrivate():
		return kindPrivate
	}
	for _, p := range notGlobal {
		if p.Contains(a) {
			return kindOther
		}
	}
	return kindPublic
}

// systemAddrs lists the IPv4 addresses of every interface that is up and
// not loopback.
func systemAddrs() ([]IfaceAddr, error) {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	var out []IfaceAddr
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue // the interface went away meanwhile
		}
		for _, a := range addrs {
			if p, err := netip.ParsePrefix(a.String()); err == nil && p.Addr().Is4() {
				out = append(out, IfaceAddr{Iface: ifc.Name, Addr: p.Addr()})
			}
		}
	}
	return out, nil
}

// filterAddrs keeps the addresses of the named interfaces (all if none
// are named) and sorts them, so two listings compare equal when nothing
// changed.
func filterAddrs(all []IfaceAddr, names []string) []IfaceAddr {
	var out []IfaceAddr
	for _, a := range all {
		if a.Addr.Is4() && (len(names) == 0 || slices.Contains(names, a.Iface)) {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(x, y IfaceAddr) int {
		return cmp.Or(strings.Compare(x.Iface, y.Iface), x.Addr.Compare(y.Addr))
	})
	return out
}
