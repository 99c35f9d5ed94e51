package egress

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Rule names destinations by address prefix, by host name or by port
// alone, optionally narrowed to one port or a range of ports. Exactly one
// of Prefix, Domain and AnyHost is set.
type Rule struct {
	// Prefix covers the addresses inside it, once names are resolved.
	Prefix netip.Prefix
	// Domain covers a host name as the buyer sent it, before it is
	// resolved: "example.com" covers that name only, "*.example.com"
	// every name below it but not example.com itself. It is stored in
	// lower case without a trailing dot.
	Domain string
	// AnyHost covers every destination; the rule is written "*".
	AnyHost bool
	// Port is the first port covered; 0 means every port.
	Port uint16
	// PortEnd is the last port of a range; 0 means Port alone.
	PortEnd uint16
}

// String formats r so that ParseRule reads it back.
func (r Rule) String() string {
	var s string
	switch {
	case r.AnyHost:
		s = "*"
	case r.Domain != "":
		s = r.Domain
	case r.Prefix.IsSingleIP():
		s = r.Prefix.Addr().String()
	default:
		s = r.Prefix.String()
	}
	if r.Port == 0 {
		return s
	}
	if r.Prefix.IsValid() && r.Prefix.Addr().Is6() {
		s = "[" + s + "]"
	}
	return s + ":" + r.ports()
}

// ports formats the port part: "443" or "8000-8999".
func (r Rule) ports() string {
	if r.PortEnd == 0 {
		return strconv.Itoa(int(r.Port))
	}
	return strconv.Itoa(int(r.Port)) + "-" + strconv.Itoa(int(r.PortEnd))
}

// lastPort is the highest port r covers; only meaningful when Port != 0.
func (r Rule) lastPort() uint16 {
	if r.PortEnd == 0 {
		return r.Port
	}
	return r.PortEnd
}

// coversPort reports whether port falls in r's port or range.
func (r Rule) coversPort(port uint16) bool {
	return r.Port == 0 || port >= r.Port && port <= r.lastPort()
}

// matches reports whether an address rule covers a on port; a must be
// canonical.
func (r Rule) matches(a netip.Addr, port uint16) bool {
	return r.Prefix.IsValid() && r.Prefix.Contains(a) && r.coversPort(port)
}

// coversName reports whether a domain rule covers name (lower case, no
// trailing dot).
func (r Rule) coversName(name string) bool {
	if base, ok := strings.CutPrefix(r.Domain, "*."); ok {
		return strings.HasSuffix(name, "."+base)
	}
	return name != "" && name == r.Domain
}

// validateRule checks a rule built in code as strictly as a parsed one.
func validateRule(r Rule) error {
	kinds := 0
	for _, set := range []bool{r.Prefix.IsValid(), r.Domain != "", r.AnyHost} {
		if set {
			kinds++
		}
	}
	switch {
	case kinds == 0:
		return fmt.Errorf("no prefix, name or *")
	case kinds > 1:
		return fmt.Errorf("more than one of prefix, name and * set")
	case r.PortEnd != 0 && (r.Port == 0 || r.PortEnd <= r.Port):
		return fmt.Errorf("port range %d-%d is empty or runs backwards", r.Port, r.PortEnd)
	case r.Prefix.IsValid():
		return validatePrefix(r.Prefix)
	case r.Domain != "":
		return validateDomain(r.Domain)
	}
	return nil
}

func validatePrefix(p netip.Prefix) error {
	switch {
	case p.Addr().Zone() != "":
		return fmt.Errorf("zones are not allowed")
	case p.Addr().Is4In6():
		return fmt.Errorf("write IPv4-mapped %s in IPv4 form", p.Addr())
	case p.Masked() != p:
		return fmt.Errorf("host bits set; did you mean %s", p.Masked())
	}
	return nil
}

// validateDomain accepts a domain only in the form parseDomain produces.
func validateDomain(d string) error {
	canon, err := parseDomain(d)
	if err != nil {
		return err
	}
	if canon != d {
		return fmt.Errorf("write name %q as %q", clip(d), canon)
	}
	return nil
}
