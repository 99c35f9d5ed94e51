package reach

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
)

// verdict weighs the evidence. UDP blocked trumps everything (the exits
// need it); any sign of carrier-grade NAT comes next, since it rules out
// the rest; then a public address that STUN confirms, a port mapping, and
// plain NAT.
func verdict(ev evidence) Report {
	r := Report{MappedAddr: ev.mapped, ExternalAddr: ev.external, Mapping: ev.mapping}
	for _, a := range ev.addrs {
		r.LocalAddrs = append(r.LocalAddrs, a.Addr)
	}
	var reasons []Reason
	add := func(code Code, format string, args ...any) {
		reasons = append(reasons, Reason{Code: code, Text: fmt.Sprintf(format, args...)})
	}
	addrReasons(ev, add)
	translated := stunReasons(ev, add)
	pmpReasons(ev, add)
	if ev.pcpErr != nil && !errors.Is(ev.pcpErr, errPCPUnsupported) {
		add(Unknown, "no PCP port mapping from the gateway: %v", ev.pcpErr)
	}
	if ev.pmpLost != nil {
		add(Unknown, "no NAT-PMP port mapping from the gateway: %v", ev.pmpLost)
	}
	if ev.upnpErr != nil {
		add(Unknown, "no UPnP port mapping: %v", ev.upnpErr)
	}
	has := func(code Code) bool {
		return slices.ContainsFunc(reasons, func(x Reason) bool { return x.Code == code })
	}
	switch {
	case has(NoUDP):
		r.Code = NoUDP
	case has(BehindCGNAT):
		r.Code = BehindCGNAT
	case has(Public) && !translated:
		r.Code = Public
	case has(PortMapped):
		r.Code = PortMapped
	case has(BehindNAT):
		r.Code = BehindNAT
	default:
		r.Code = Unknown
	}
	slices.SortStableFunc(reasons, func(x, y Reason) int {
		return boolRank(x.Code == r.Code) - boolRank(y.Code == r.Code)
	})
	r.Reasons = append(reasons, natReasons(ev, &r)...)
	return r
}

// natReasons explains the NAT's behaviour as context after the verdict's
// own reasons, and keeps it in the report.
func natReasons(ev evidence, r *Report) []Reason {
	switch {
	case !ev.natTried:
		return nil
	case ev.natErr != nil:
		return []Reason{{Code: Unknown, Text: fmt.Sprintf("the NAT behaviour tests failed: %v", ev.natErr)}}
	}
	b := ev.nat
	r.NAT = &b
	if r.Code == Public {
		return nil // nothing translates: the tests only saw the way out
	}
	var out []Reason
	switch b.Mapping {
	case EndpointIndependent:
		out = append(out, Reason{Code: r.Code, Text: "the NAT keeps one public port for every destination (endpoint-independent mapping): buyers can punch a hole to the exit"})
	case AddressDependent:
		out = append(out, Reason{Code: r.Code, Text: "the NAT picks a new public port for each destination (symmetric): most buyers will reach the exit through a rendezvous relay"})
	}
	switch b.Filtering {
	case EndpointIndependent:
		out = append(out, Reason{Code: r.Code, Text: "the NAT lets in packets from any address once this machine has sent out (endpoint-independent filtering)"})
	case AddressDependent:
		out = append(out, Reason{Code: r.Code, Text: "the NAT only lets in packets from addresses this machine has sent to (address-dependent filtering)"})
	}
	return out
}

func boolRank(first bool) int {
	if first {
		return 0
	}
	return 1
}

type addFunc func(code Code, format string, args ...any)

func addrReasons(ev evidence, add addFunc) {
	for _, a := range ev.addrs {
		switch classify(a.Addr) {
		case kindCGNAT:
			add(BehindCGNAT, "interface %s has %s, in 100.64.0.0/10, the range ISPs use for carrier-grade NAT", a.Iface, a.Addr)
		case kindPublic:
			add(Public, "interface %s has the public address %s", a.Iface, a.Addr)
		case kindPrivate:
			add(BehindNAT, "interface %s has the private address %s: a router translates its traffic", a.Iface, a.Addr)
		}
	}
	switch {
	case ev.addrsErr != nil:
		add(Unknown, "could not list the interface addresses: %v", ev.addrsErr)
	case len(ev.addrs) == 0:
		add(Unknown, "no IPv4 address on the inspected interfaces")
	}
}

// stunReasons reports what STUN saw and whether it proves translation.
func stunReasons(ev evidence, add addFunc) (translated bool) {
	if !ev.stunTried {
		return false
	}
	m := ev.mapped
	switch {
	case errors.Is(ev.stunErr, ErrNoAnswer):
		add(NoUDP, "the STUN server did not answer over UDP: UDP may be blocked on this network")
	case ev.stunErr != nil:
		add(Unknown, "the STUN check failed: %v", ev.stunErr)
	case isLocal(ev.addrs, m):
		add(Public, "the STUN server sees this machine at its own address %s: nothing translates it", m.Addr())
	case classify(m.Addr()) == kindCGNAT:
		add(BehindCGNAT, "the STUN server sees %s, a carrier-grade NAT address", m.Addr())
		return true
	default:
		add(BehindNAT, "the STUN server sees this machine as %s, not as one of its own addresses: traffic is translated", m)
		return true
	}
	return false
}

func pmpReasons(ev evidence, add addFunc) {
	ext := ev.external
	stunPublic := ev.stunTried && ev.stunErr == nil && classify(ev.mapped.Addr()) == kindPublic
	switch {
	case !ev.pmpTried:
	case ev.pmpErr != nil:
		add(Unknown, "no NAT-PMP port mapping from the gateway: %v", ev.pmpErr)
	case classify(ext) == kindCGNAT || classify(ext) == kindPrivate:
		add(BehindCGNAT, "the router's own internet address %s is not public: another NAT sits above it, so no mapping on the router can open the exit", ext)
	case stunPublic && ev.mapped.Addr() != ext:
		add(BehindCGNAT, "the router reports the public address %s but the internet sees %s: a second NAT sits above the router", ext, ev.mapped.Addr())
	case ev.mapping != nil:
		m := ev.mapping
		add(PortMapped, "the router forwards UDP port %d of %s to this machine's port %d for %v (%s)", m.ExternalPort, ext, m.InternalPort, m.Lifetime, m.Protocol)
	case ev.mapErr != nil:
		add(BehindNAT, "the router (public address %s) refused to map the exit's port: %v", ext, ev.mapErr)
	default:
		add(BehindNAT, "the router's public address is %s; no port mapping was asked for", ext)
	}
}

// isLocal reports whether m's address is one of the machine's own.
func isLocal(addrs []IfaceAddr, m netip.AddrPort) bool {
	return slices.ContainsFunc(addrs, func(a IfaceAddr) bool { return a.Addr == m.Addr() })
}
