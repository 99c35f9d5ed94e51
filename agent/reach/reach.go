// Package reach tells the agent's owner, and the broker, whether buyers
// can reach this machine's exit directly, and if not, why: a public
// address, a port mapped on the home router, an ordinary home NAT, the
// ISP's carrier-grade NAT, or UDP blocked altogether.
//
// It combines three kinds of evidence: the addresses on the machine's own
// interfaces (a 100.64.0.0/10 address means carrier-grade NAT, a private
// one a home router), a STUN binding request to a configurable server
// (the address the internet sees, and whether UDP gets out at all), and
// NAT-PMP (RFC 6886) on the home gateway (the router's public address and
// a UDP port mapping for the exit). Checker.Run checks again when an
// interface address changes, daily, and before a mapping expires.
//
// It only looks at IPv4. It does not punch holes or relay traffic; that
// is relay/ (ICE with pion/webrtc) for nodes that report behind_nat or
// behind_cgnat.
package reach

import (
	"errors"
	"net/netip"
	"time"
)

// Code is a stable reachability verdict, also used for each reason.
type Code string

// The verdicts, from the best case down.
const (
	// Public: the machine holds the public address buyers dial.
	Public Code = "public"
	// PortMapped: the home router forwards the exit's port, mapped over
	// NAT-PMP, from its public address.
	PortMapped Code = "port_mapped"
	// BehindNAT: a home router translates addresses and no mapping is in
	// place; buyers need hole punching or a rendezvous relay.
	BehindNAT Code = "behind_nat"
	// BehindCGNAT: the ISP translates addresses too (100.64.0.0/10, or a
	// second NAT above the router); no home setting can open a port.
	BehindCGNAT Code = "behind_cgnat"
	// NoUDP: UDP does not get out, so QUIC and WireGuard exits cannot work.
	NoUDP Code = "no_udp"
	// Unknown: not enough evidence either way.
	Unknown Code = "unknown"
)

// Reason is one finding behind a report, with a sentence for people.
type Reason struct {
	Code Code   `json:"code"`
	Text string `json:"text"`
}

// Report is the result of one check. Reasons supporting the verdict come
// first; the others follow as context.
type Report struct {
	Code    Code     `json:"code"`
	Reasons []Reason `json:"reasons"`
	// LocalAddrs are the IPv4 addresses found on the inspected interfaces.
	LocalAddrs []netip.Addr `json:"local_addrs,omitempty"`
	// MappedAddr is where the STUN server saw this machine.
	MappedAddr netip.AddrPort `json:"mapped_addr,omitzero"`
	// ExternalAddr is the router's public address as NAT-PMP reports it.
	ExternalAddr netip.Addr `json:"external_addr,omitzero"`
	// Mapping is the exit port's mapping on the router, if one is held.
	Mapping *Mapping `json:"mapping,omitempty"`
	// NAT is how the NAT maps and filters UDP, when a second STUN server
	// let the checker tell (Config.STUNAltServer).
	NAT *Behavior `json:"nat,omitempty"`
	At  time.Time `json:"at"`
}

// Mapping is a UDP port mapping held on the home router.
type Mapping struct {
	InternalPort uint16         `json:"internal_port"`
	ExternalPort uint16         `json:"external_port"`
	Lifetime     time.Duration  `json:"lifetime"`
	Gateway      netip.AddrPort `json:"gateway"`
	// Protocol is how the mapping was made: "pcp" or "nat-pmp".
	Protocol string   `json:"protocol"`
	nonce    [12]byte // PCP's name for the mapping, to renew or delete it
	igd      *igd     // the UPnP service that holds it
}

// Errors callers branch on.
var (
	// ErrNoAnswer means a UDP request got no reply before its timeout.
	ErrNoAnswer = errors.New("reach: no answer")
	// ErrMalformed is a reply that does not parse.
	ErrMalformed = errors.New("reach: malformed reply")
	// ErrNoGateway means no default IPv4 gateway was found.
	ErrNoGateway = errors.New("reach: no default gateway")
)
