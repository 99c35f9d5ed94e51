package broker

import (
	"net/http"
	"net/netip"
	"slices"
)

// maxKeyNetworks bounds allowed_cidrs.
const maxKeyNetworks = 16

// parseNetworks turns allowed_cidrs into canonical prefixes: host bits
// cleared, a single address as a /32 or /128, IPv4-mapped IPv6 as IPv4,
// duplicates dropped, sorted.
func parseNetworks(cidrs []string) ([]string, error) {
	if len(cidrs) > maxKeyNetworks {
		return nil, badRequest("allowed_cidrs may list at most %d networks", maxKeyNetworks)
	}
	out := make([]string, 0, len(cidrs))
	for _, c := range cidrs {
		p, err := parseNetwork(c)
		if err != nil {
			return nil, badRequest("allowed_cidrs: %q is neither a CIDR prefix nor an IP address", c)
		}
		out = append(out, p.String())
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func parseNetwork(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96).Masked(), nil
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, errBadNetwork
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

var errBadNetwork = badRequest("not a network")

// fromAllowed reports whether r comes from one of the networks. The client
// address is the connection's remote address, never a header a client or
// proxy could set: a broker behind a proxy sees the proxy's address.
func fromAllowed(r *http.Request, networks []string) bool {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	addr := ap.Addr().Unmap()
	for _, n := range networks {
		p, err := netip.ParsePrefix(n)
		if err == nil && p.Contains(addr) {
			return true
		}
	}
	return false
}
