package egress

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Rule names a destination prefix and, optionally, one port.
type Rule struct {
	Prefix netip.Prefix
	Port   uint16 // 0 = any port
}

// String formats r so that ParseRule reads it back.
func (r Rule) String() string {
	s := r.Prefix.String()
	if r.Prefix.IsSingleIP() {
		s = r.Prefix.Addr().String()
	}
	if r.Port == 0 {
		return s
	}
	if r.Prefix.Addr().Is6() {
		s = "[" + s + "]"
	}
	return s + ":" + strconv.Itoa(int(r.Port))
}

// matches reports whether r covers a on port; a must be canonical.
func (r Rule) matches(a netip.Addr, port uint16) bool {
	return r.Prefix.Contains(a) && (r.Port == 0 || r.Port == port)
}

// ParseRule reads a rule written as an address or prefix with an optional
// port: "127.0.0.1:8080", "10.0.0.0/8", "10.0.0.0/8:443", "[::1]:80",
// "2001:db8::/32", "[2001:db8::/32]:443". Prefixes must have no host bits
// set, IPv4 must be written as IPv4 (not ::ffff:a.b.c.d), zones are not
// accepted, and an explicit port is 1-65535.
func ParseRule(s string) (Rule, error) {
	rule, err := parseRule(strings.TrimSpace(s))
	if err != nil {
		return Rule{}, fmt.Errorf("%w %q: %w", ErrInvalidRule, clip(s), err)
	}
	return rule, nil
}

func parseRule(s string) (Rule, error) {
	addr, port, err := splitRule(s)
	if err != nil {
		return Rule{}, err
	}
	p, err := parseRulePrefix(addr)
	if err != nil {
		return Rule{}, err
	}
	rule := Rule{Prefix: p}
	if port != "" {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 {
			return Rule{}, fmt.Errorf("port %q is not in 1-65535", port)
		}
		rule.Port = uint16(n)
	}
	return rule, validateRule(rule)
}

// splitRule separates the address or prefix from an optional port.
func splitRule(s string) (addr, port string, err error) {
	if inner, ok := strings.CutPrefix(s, "["); ok {
		addr, rest, ok := strings.Cut(inner, "]")
		if !ok {
			return "", "", fmt.Errorf("unclosed bracket")
		}
		if rest == "" {
			return addr, "", nil
		}
		port, ok = strings.CutPrefix(rest, ":")
		if !ok || port == "" {
			return "", "", fmt.Errorf("unexpected %q after bracket", rest)
		}
		return addr, port, nil
	}
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		bits, port, _ := strings.Cut(s[i+1:], ":")
		if strings.Contains(s[i+1:], ":") && port == "" {
			return "", "", fmt.Errorf("empty port")
		}
		return s[:i+1] + bits, port, nil
	}
	if strings.Count(s, ":") == 1 {
		addr, port, _ = strings.Cut(s, ":")
		return addr, port, nil
	}
	return s, "", nil
}

func parseRulePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		return p, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("zones are not allowed")
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// validateRule checks a rule built in code as strictly as a parsed one.
func validateRule(r Rule) error {
	p := r.Prefix
	switch {
	case !p.IsValid():
		return fmt.Errorf("no prefix")
	case p.Addr().Zone() != "":
		return fmt.Errorf("zones are not allowed")
	case p.Addr().Is4In6():
		return fmt.Errorf("write IPv4-mapped %s in IPv4 form", p.Addr())
	case p.Masked() != p:
		return fmt.Errorf("host bits set; did you mean %s", p.Masked())
	}
	return nil
}
