package egress

import (
	"net/netip"
	"slices"
)

// CheckAddr reports whether the policy permits a connection to ap: nil, or
// a *DeniedError. IPv4-mapped addresses are judged as IPv4, zones are
// ignored, and IPv6 forms that embed an IPv4 address are judged by both.
//
// The order is: port 0 is always refused; an Allow rule covering the
// address and port permits it; then built-in ranges, the machine's own
// addresses, Deny rules and closed ports refuse it, in that order.
func (p *Policy) CheckAddr(ap netip.AddrPort) error {
	if e := p.check(ap); e != nil {
		return e
	}
	return nil
}

// check is CheckAddr with a concrete result type, so callers inside the
// package can fill in the host without a type assertion.
func (p *Policy) check(ap netip.AddrPort) *DeniedError {
	a, port := canonical(ap.Addr()), ap.Port()
	ap = netip.AddrPortFrom(a, port)
	switch {
	case !a.IsValid():
		return &DeniedError{Addr: ap, Reason: ReasonUnspecified}
	case port == 0:
		return &DeniedError{Addr: ap, Reason: ReasonPort}
	}
	switch p.allowed(a, port) {
	case allowYes:
		return nil
	case allowButPort:
		return &DeniedError{Addr: ap, Reason: ReasonPort}
	}
	if reason, inner, denied := classify(a); denied {
		return &DeniedError{Addr: ap, Reason: reason, embedded: inner}
	}
	candidates := append([]netip.Addr{a}, embeddedV4(a)...)
	for _, c := range candidates {
		if p.host.contains(c) {
			return &DeniedError{Addr: ap, Reason: ReasonHostLocal, embedded: innerOf(a, c)}
		}
	}
	for _, c := range candidates {
		if p.ownerDenied(c, port) {
			return &DeniedError{Addr: ap, Reason: ReasonOwnerDeny, embedded: innerOf(a, c)}
		}
	}
	if p.portDenied(port) {
		return &DeniedError{Addr: ap, Reason: ReasonPort}
	}
	return nil
}

// allowResult is what the Allow rules say about a destination.
type allowResult int

const (
	allowNo      allowResult = iota // no rule covers it
	allowYes                        // a rule permits it
	allowButPort                    // a port-less rule covers it but the port is closed
)

// allowed reports whether an Allow rule covers a on port. A rule without a
// port does not open a closed port; that case is reported separately so
// the refusal names the port rather than the address range.
func (p *Policy) allowed(a netip.Addr, port uint16) allowResult {
	result := allowNo
	for _, rule := range p.allow {
		switch {
		case !rule.matches(a, port):
		case rule.Port == port || !p.portDenied(port):
			return allowYes
		default:
			result = allowButPort
		}
	}
	return result
}

func (p *Policy) ownerDenied(a netip.Addr, port uint16) bool {
	for _, rule := range p.deny {
		if rule.matches(a, port) {
			return true
		}
	}
	return false
}

func (p *Policy) portDenied(port uint16) bool {
	_, found := slices.BinarySearch(p.deniedPorts, port)
	return found
}

// innerOf returns c when it is an address embedded in a rather than a
// itself, for the error message.
func innerOf(a, c netip.Addr) netip.Addr {
	if c == a {
		return netip.Addr{}
	}
	return c
}
