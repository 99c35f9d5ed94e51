package egress

import (
	"net/netip"
)

// CheckAddr reports whether the policy permits a connection to ap: nil, or
// a *DeniedError. IPv4-mapped addresses are judged as IPv4, zones are
// ignored, and IPv6 forms that embed an IPv4 address are judged by both.
// Name rules do not apply: there is no name, only an address.
//
// The order is: port 0 is always refused; an Allow address rule covering
// the address and port skips the built-in and Deny rules; otherwise the
// built-in ranges, then the machine's own addresses, then Deny rules
// refuse it; last, a closed port refuses it unless a covering Allow rule
// names that port.
func (p *Policy) CheckAddr(ap netip.AddrPort) error {
	if e := p.check("", ap); e != nil {
		return e
	}
	return nil
}

// check judges ap for a destination the buyer named name ("" for a
// literal address). It returns a concrete type so that callers inside the
// package can fill in the host without a type assertion.
func (p *Policy) check(name string, ap netip.AddrPort) *DeniedError {
	a, port := canonical(ap.Addr()), ap.Port()
	ap = netip.AddrPortFrom(a, port)
	switch {
	case !a.IsValid():
		return &DeniedError{Addr: ap, Reason: ReasonUnspecified}
	case port == 0:
		return &DeniedError{Addr: ap, Reason: ReasonPort}
	}
	m := p.allowFor(name, a, port)
	if !m.addr {
		if e := p.builtin(ap); e != nil {
			return e
		}
	}
	if !m.name && p.nameDenied(name, port) {
		return &DeniedError{Addr: ap, Reason: ReasonOwnerDeny, byName: true}
	}
	if !m.addr && !m.name {
		if e := p.ownerDenied(ap); e != nil {
			return e
		}
	}
	if p.closed.has(port) && !m.port {
		return &DeniedError{Addr: ap, Reason: ReasonPort}
	}
	return nil
}

// allowMatch is what the Allow rules say about a destination.
type allowMatch struct {
	addr bool // an address rule covers it
	name bool // a name rule covers it
	port bool // a covering rule names the port, so it may open a closed one
}

// allowFor finds the Allow rules that cover name (when not empty), a and
// port. "*:port" rules are not consulted: they were folded into the
// closed-port set.
func (p *Policy) allowFor(name string, a netip.Addr, port uint16) allowMatch {
	var m allowMatch
	for _, rule := range p.allowAddr {
		if rule.matches(a, port) {
			m.addr, m.port = true, m.port || rule.Port != 0
		}
	}
	if name == "" {
		return m
	}
	for _, rule := range p.allowName {
		if rule.coversName(name) && rule.coversPort(port) {
			m.name, m.port = true, m.port || rule.Port != 0
		}
	}
	return m
}

// builtin applies the built-in ranges and the machine's own addresses.
func (p *Policy) builtin(ap netip.AddrPort) *DeniedError {
	a := ap.Addr()
	if reason, inner, denied := classify(a); denied {
		return &DeniedError{Addr: ap, Reason: reason, embedded: inner}
	}
	for _, c := range append([]netip.Addr{a}, embeddedV4(a)...) {
		if p.host.contains(c) {
			return &DeniedError{Addr: ap, Reason: ReasonHostLocal, embedded: innerOf(a, c)}
		}
	}
	return nil
}

// ownerDenied applies the Deny address rules, to the address and to every
// IPv4 address it embeds, and a Deny rule "*".
func (p *Policy) ownerDenied(ap netip.AddrPort) *DeniedError {
	if p.denyAll {
		return &DeniedError{Addr: ap, Reason: ReasonOwnerDeny}
	}
	a, port := ap.Addr(), ap.Port()
	for _, c := range append([]netip.Addr{a}, embeddedV4(a)...) {
		for _, rule := range p.denyAddr {
			if rule.matches(c, port) {
				return &DeniedError{Addr: ap, Reason: ReasonOwnerDeny, embedded: innerOf(a, c)}
			}
		}
	}
	return nil
}

// nameDenied reports whether a Deny name rule covers name on port.
func (p *Policy) nameDenied(name string, port uint16) bool {
	if name == "" {
		return false
	}
	for _, rule := range p.denyName {
		if rule.coversName(name) && rule.coversPort(port) {
			return true
		}
	}
	return false
}

// nameRefused decides a name before it is looked up: a Deny name rule
// refuses it unless an Allow name rule covers it too.
func (p *Policy) nameRefused(name string, port uint16) bool {
	if !p.nameDenied(name, port) {
		return false
	}
	for _, rule := range p.allowName {
		if rule.coversName(name) && rule.coversPort(port) {
			return false
		}
	}
	return true
}

// innerOf returns c when it is an address embedded in a rather than a
// itself, for the error message.
func innerOf(a, c netip.Addr) netip.Addr {
	if c == a {
		return netip.Addr{}
	}
	return c
}
