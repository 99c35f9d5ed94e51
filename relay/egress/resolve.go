package egress

import (
	"context"
	"fmt"
	"net/netip"

	"go.uber.org/zap"
)

// Resolve turns a host as a client sent it and a port into the addresses
// the policy permits, in the resolver's order, without duplicates.
// Literal addresses in any spelling are parsed here and never resolved;
// local-only names are refused without a lookup. It returns a
// *DeniedError when every address is refused, an error wrapping ErrDNS
// when the name does not resolve, and one wrapping ErrInvalidHost when the
// host is malformed.
func (p *Policy) Resolve(ctx context.Context, host string, port uint16) ([]netip.AddrPort, error) {
	return p.resolve(ctx, "ip", host, port)
}

// resolve is Resolve restricted to one family: network is "ip", "ip4" or
// "ip6".
func (p *Policy) resolve(ctx context.Context, network, host string, port uint16) ([]netip.AddrPort, error) {
	t, err := parseHost(host)
	if err != nil {
		return nil, err
	}
	if t.addr.IsValid() {
		if !familyMatches(network, t.addr) {
			return nil, fmt.Errorf("egress: %q is not an %s address: %w", clip(host), network, ErrDNS)
		}
		if e := p.check(netip.AddrPortFrom(t.addr, port)); e != nil {
			e.Host = host
			return nil, e
		}
		return []netip.AddrPort{netip.AddrPortFrom(t.addr, port)}, nil
	}
	addrs, err := p.resolver.LookupNetIP(ctx, network, t.name+".")
	if err != nil {
		return nil, fmt.Errorf("egress: resolve %q: %w: %w", t.name, ErrDNS, err)
	}
	return p.filter(network, host, port, addrs)
}

// filter keeps the permitted answers. When none is left it reports the
// first refusal, so the caller learns why.
func (p *Policy) filter(network, host string, port uint16, addrs []netip.Addr) ([]netip.AddrPort, error) {
	var (
		out       []netip.AddrPort
		firstDeny *DeniedError
		seen      = make(map[netip.Addr]bool, len(addrs))
	)
	for _, a := range addrs {
		a = canonical(a)
		if !a.IsValid() || seen[a] || !familyMatches(network, a) {
			continue
		}
		seen[a] = true
		ap := netip.AddrPortFrom(a, port)
		if e := p.check(ap); e != nil {
			p.log.Debug("dropped a refused answer", zap.String("reason", string(e.Reason)))
			if firstDeny == nil {
				e.Host = host
				firstDeny = e
			}
			continue
		}
		out = append(out, ap)
	}
	switch {
	case len(out) > 0:
		return out, nil
	case firstDeny != nil:
		return nil, firstDeny
	default:
		return nil, fmt.Errorf("egress: resolve %q: no %s address in the answer: %w", clip(host), network, ErrDNS)
	}
}

func familyMatches(network string, a netip.Addr) bool {
	switch network {
	case "ip4":
		return a.Is4()
	case "ip6":
		return a.Is6()
	}
	return true
}
