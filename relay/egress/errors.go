package egress

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

var (
	// ErrDenied is matched (errors.Is) by every refusal of the policy.
	ErrDenied = errors.New("egress: destination denied")
	// ErrDNS wraps failures to resolve a name, including answers that hold
	// no usable address.
	ErrDNS = errors.New("egress: name resolution failed")
	// ErrInvalidHost means the destination is not a well-formed name or
	// address (bad characters, empty labels, a numeric form inet_aton
	// rejects, a port that is not a number).
	ErrInvalidHost = errors.New("egress: invalid host")
	// ErrInvalidRule means an allow or deny rule could not be parsed or is
	// not in canonical form.
	ErrInvalidRule = errors.New("egress: invalid rule")
)

// Reason names the class of destination a DeniedError refused. The values
// are stable: callers may log or count them.
type Reason string

// The reasons a destination can be refused for.
const (
	ReasonLoopback    Reason = "loopback"
	ReasonPrivate     Reason = "private"
	ReasonLinkLocal   Reason = "link-local"
	ReasonCGNAT       Reason = "cgnat"
	ReasonMulticast   Reason = "multicast"
	ReasonUnspecified Reason = "unspecified"
	ReasonReserved    Reason = "reserved"
	ReasonMetadata    Reason = "metadata"
	ReasonHostLocal   Reason = "host-local"
	ReasonPort        Reason = "port"
	ReasonOwnerDeny   Reason = "owner-deny"
	ReasonLocalName   Reason = "local-name"
)

// builtinReasons lists the address classes refused by default, in the
// order Summary prints them.
var builtinReasons = []Reason{
	ReasonLoopback, ReasonPrivate, ReasonLinkLocal, ReasonCGNAT,
	ReasonMulticast, ReasonUnspecified, ReasonReserved, ReasonMetadata,
	ReasonHostLocal, ReasonLocalName,
}

var reasonText = map[Reason]string{
	ReasonLoopback:    "a loopback address of the seller's machine",
	ReasonPrivate:     "an address in a private network range",
	ReasonLinkLocal:   "a link-local address",
	ReasonCGNAT:       "an address in the carrier-grade NAT range",
	ReasonMulticast:   "a multicast address",
	ReasonUnspecified: "an unspecified address",
	ReasonReserved:    "an address in a reserved, documentation or benchmarking range",
	ReasonMetadata:    "a cloud metadata service address",
	ReasonHostLocal:   "one of the seller's own addresses or in its own IPv6 /64",
	ReasonOwnerDeny:   "an address the node owner has denied",
}

// DeniedError reports a destination the policy refused. Addr is the
// address that was judged (unset for ReasonLocalName), Host the name or
// spelling the caller asked for, when there was one.
type DeniedError struct {
	Addr   netip.AddrPort
	Host   string
	Reason Reason

	// embedded is the IPv4 address found inside an IPv6 Addr when that
	// inner address caused the refusal.
	embedded netip.Addr
	// byName is set when an owner's Deny rule for the host name, not for
	// the address, caused the refusal.
	byName bool
}

// Error gives one sentence that names the destination and why it was
// refused.
func (e *DeniedError) Error() string {
	var b strings.Builder
	b.WriteString("egress: destination ")
	b.WriteString(e.destination())
	fmt.Fprintf(&b, " denied (%s): ", e.Reason)
	switch {
	case e.Reason == ReasonPort:
		fmt.Fprintf(&b, "port %d is closed to relayed traffic", e.Addr.Port())
	case e.Reason == ReasonLocalName:
		b.WriteString("the name only has meaning on the seller's local network")
	case e.byName:
		b.WriteString("the node owner has denied this name")
	case e.embedded.IsValid():
		fmt.Fprintf(&b, "it embeds %s, %s", e.embedded, reasonText[e.Reason])
	default:
		fmt.Fprintf(&b, "it is %s", reasonText[e.Reason])
	}
	return b.String()
}

func (e *DeniedError) destination() string {
	switch {
	case e.Host == "":
		return e.Addr.String()
	case !e.Addr.IsValid():
		return fmt.Sprintf("%q", e.Host)
	default:
		return fmt.Sprintf("%q (%s)", e.Host, e.Addr)
	}
}

// Is reports whether target is ErrDenied, so errors.Is(err, ErrDenied)
// holds for every DeniedError.
func (e *DeniedError) Is(target error) bool { return target == ErrDenied }
