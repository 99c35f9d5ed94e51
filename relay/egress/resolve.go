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
// local-only names and names an owner's Deny rule covers are refused
// without a lookup. Owner name rules apply to names only, never to
// literal addresses. It returns a
// *DeniedError when every address is refused, an error wrapping ErrDNS
// when the name does not resolve, and one wrapping ErrInvalidHost when the
// host is malformed.
func (p *Policy) Resolve(ctx context.Context, host string, port uint16) ([]netip.AddrPort, error) {
	targets, _, err := p.resolve(ctx, "ip", host, port)
	return targets, err
}

// resolve is Resolve restricted to one family: network is "ip", "ip4" or
// "ip6". It also returns the normalised name ("" for a literal), which the
// dialer's Control hook needs to judge the address the same way.
func (p *Policy) resolve(ctx context.Context, network, host string, port uint16) ([]netip.AddrPort, string, error) {
	t, err := parseHost(host)
	if err != nil {
		return nil, "", err
	}
	if t.addr.IsValid() {
		if !familyMatches(network, t.addr) {
			return nil, "", fmt.Errorf("egress: %q is not an %s address: %w", clip(host), network, ErrDNS)
		}
		if e := p.check("", netip.AddrPortFrom(t.addr, port)); e != nil {
			e.Host = host
			return nil, "", e
		}
		return []netip.AddrPort{netip.AddrPortFrom(t.addr, port)}, "", nil
	}
	if p.nameRefused(t.name, port) {
		// Refused before the lookup, so the name never reaches a resolver.
		return nil, "", &DeniedError{Host: host, Reason: ReasonOwnerDeny, byName: true}
	}
	addrs, err := p.resolver.LookupNetIP(ctx, network, t.name+".")
	if err != nil {
		return nil, "", fmt.Errorf("egress: resolve %q: %w: %w", t.name, ErrDNS, err)
	}
	targets, err := p.filter(network, host, t.name, port, addrs)
	return targets, t.name, err
}

// filter keeps the permitted answers. When none is left it reports the
// first refusal, so the caller learns why.
func (p *Policy) filter(network, host, name string, port uint16, addrs []netip.Addr) ([]netip.AddrPort, error) {
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
		if e := p.check(name, ap); e != nil {
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
