package egress

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ParseRule reads a rule: a destination with an optional port or port
// range after a colon.
//
//	127.0.0.1:8080            one address, one port
//	10.0.0.0/8:8000-8999      a prefix, a range of ports
//	[::1]:80, 2001:db8::/32   IPv6 (brackets when a port follows an address)
//	[2001:db8::/32]:443       IPv6 prefix with a port
//	example.com:443           one host name, as the buyer sends it
//	*.example.com             every name below example.com
//	*:25, *:6000-6999         a port or range on every destination
//
// Prefixes must have no host bits set, IPv4 must be written as a dotted
// quad (not ::ffff:a.b.c.d, 127.1 or 0x7f.1), zones are not accepted,
// names must be plain ASCII and not ones the policy always refuses
// (localhost, single labels, .local and the other local-only suffixes),
// and ports are 1-65535. A "*" without a port is accepted here; New
// accepts it only as a Deny rule.
func ParseRule(s string) (Rule, error) {
	rule, err := parseRule(strings.TrimSpace(s))
	if err != nil {
		return Rule{}, fmt.Errorf("%w %q: %w", ErrInvalidRule, clip(s), err)
	}
	return rule, nil
}

func parseRule(s string) (Rule, error) {
	host, ports, bracketed, err := splitRule(s)
	if err != nil {
		return Rule{}, err
	}
	rule, err := parseRuleHost(host, bracketed)
	if err != nil {
		return Rule{}, err
	}
	if ports != "" {
		if rule.Port, rule.PortEnd, err = parsePorts(ports); err != nil {
			return Rule{}, err
		}
	}
	return rule, validateRule(rule)
}

// splitRule separates the destination from an optional port part.
func splitRule(s string) (host, ports string, bracketed bool, err error) {
	if inner, ok := strings.CutPrefix(s, "["); ok {
		host, rest, ok := strings.Cut(inner, "]")
		if !ok {
			return "", "", true, errors.New("unclosed bracket")
		}
		if rest == "" {
			return host, "", true, nil
		}
		ports, ok = strings.CutPrefix(rest, ":")
		if !ok || ports == "" {
			return "", "", true, fmt.Errorf("unexpected %q after bracket", clip(rest))
		}
		return host, ports, true, nil
	}
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		bits, ports, found := strings.Cut(s[i+1:], ":")
		if found && ports == "" {
			return "", "", false, errors.New("empty port")
		}
		return s[:i+1] + bits, ports, false, nil
	}
	if strings.Count(s, ":") == 1 {
		host, ports, _ = strings.Cut(s, ":")
		if ports == "" {
			return "", "", false, errors.New("empty port")
		}
		return host, ports, false, nil
	}
	return s, "", false, nil
}

// parseRuleHost reads the destination part: "*", an address or prefix,
// or a host name.
func parseRuleHost(host string, bracketed bool) (Rule, error) {
	switch {
	case host == "":
		return Rule{}, errors.New("missing address, name or *")
	case host == "*" && !bracketed:
		return Rule{AnyHost: true}, nil
	case bracketed || strings.ContainsAny(host, ":/"):
		p, err := parseRulePrefix(host)
		return Rule{Prefix: p}, err
	}
	if looksNumeric(strings.TrimSuffix(strings.ToLower(host), ".")) {
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is4() {
			return Rule{}, fmt.Errorf("numeric host %q is not a dotted-quad IPv4 address", clip(host))
		}
		return Rule{Prefix: netip.PrefixFrom(a, 32)}, nil
	}
	d, err := parseDomain(strings.TrimSuffix(strings.ToLower(host), "."))
	return Rule{Domain: d}, err
}

func parseRulePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a.Zone() != "" {
		return netip.Prefix{}, errors.New("zones are not allowed")
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// parseDomain checks a lower-case name without trailing dot, optionally
// starting with "*.", and returns it unchanged. Names the policy refuses
// before any lookup cannot be rules: an Allow rule for them would be
// misleading and a Deny rule is redundant.
func parseDomain(name string) (string, error) {
	base, wild := strings.CutPrefix(name, "*.")
	if err := checkName(base); err != nil {
		return "", fmt.Errorf("name %q: %w", clip(name), err)
	}
	if looksNumeric(base) {
		return "", fmt.Errorf("name %q ends in a numeric label", clip(name))
	}
	if underLocalSuffix(base) || !wild && !strings.Contains(base, ".") {
		return "", fmt.Errorf("name %q only has meaning on the seller's network and is always refused", clip(name))
	}
	return name, nil
}

// parsePorts reads "443" or "8000-8999"; a range of one port is returned
// as that port alone.
func parsePorts(s string) (first, last uint16, err error) {
	lo, hi, isRange := strings.Cut(s, "-")
	first, err = parsePort(lo)
	if err != nil || !isRange {
		return first, 0, err
	}
	if last, err = parsePort(hi); err != nil {
		return 0, 0, err
	}
	switch {
	case last < first:
		return 0, 0, fmt.Errorf("port range %q runs backwards", clip(s))
	case last == first:
		return first, 0, nil
	}
	return first, last, nil
}

func parsePort(s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("port %q is not in 1-65535", clip(s))
	}
	return uint16(n), nil
}
