package egress

import (
	"fmt"
	"net/netip"
	"strings"
)

// localSuffixes are name suffixes that only mean something on the seller's
// own network (RFC 6761, RFC 6762, RFC 8375, ICANN's .internal, and the
// customary home-router domains).
var localSuffixes = []string{
	"localhost", "local", "internal", "home.arpa", "lan", "localdomain",
}

// maxHostLen bounds a host before any other work; a DNS name is at most
// 253 characters, an IPv6 literal with brackets and a zone a little more.
const maxHostLen = 255

// target is a parsed host: either a literal address or a name to resolve.
type target struct {
	addr netip.Addr // valid for literals, zone already stripped
	name string     // lower case, without a trailing dot, for names
}

// parseHost normalises a host as a client sent it. Literal addresses in
// any spelling become addr; anything numeric that inet_aton rejects is an
// error rather than a name; local-only names are refused with a
// DeniedError.
func parseHost(host string) (target, error) {
	if host == "" || len(host) > maxHostLen {
		return target{}, fmt.Errorf("%w: %q is empty or too long", ErrInvalidHost, clip(host))
	}
	if inner, ok := strings.CutPrefix(host, "["); ok {
		return parseBracketed(host, inner)
	}
	if strings.Contains(host, ":") {
		a, err := netip.ParseAddr(host)
		if err != nil {
			return target{}, fmt.Errorf("%w: %q is not an IPv6 address", ErrInvalidHost, clip(host))
		}
		return target{addr: canonical(a)}, nil
	}
	name := strings.TrimSuffix(strings.ToLower(host), ".")
	if err := checkName(name); err != nil {
		return target{}, fmt.Errorf("%w: %q: %w", ErrInvalidHost, clip(host), err)
	}
	if looksNumeric(name) {
		a, ok := parseInetAton(name)
		if !ok {
			return target{}, fmt.Errorf("%w: %q is numeric but not an IPv4 address", ErrInvalidHost, clip(host))
		}
		return target{addr: a}, nil
	}
	if isLocalName(name) {
		return target{}, &DeniedError{Host: host, Reason: ReasonLocalName}
	}
	return target{name: name}, nil
}

func parseBracketed(host, inner string) (target, error) {
	inner, ok := strings.CutSuffix(inner, "]")
	if !ok {
		return target{}, fmt.Errorf("%w: %q has an unclosed bracket", ErrInvalidHost, clip(host))
	}
	a, err := netip.ParseAddr(inner)
	if err != nil || !a.Is6() {
		return target{}, fmt.Errorf("%w: %q does not hold an IPv6 address", ErrInvalidHost, clip(host))
	}
	return target{addr: canonical(a)}, nil
}

// checkName accepts only ASCII letters, digits, hyphens and underscores in
// labels of 1 to 63 characters. Anything else (spaces, NUL, percent
// escapes, non-ASCII that IDNA might fold into "localhost") is refused
// rather than handed to a resolver.
func checkName(name string) error {
	if name == "" || len(name) > 253 {
		return fmt.Errorf("name length %d out of range", len(name))
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("label length %d out of range", len(label))
		}
		for i := 0; i < len(label); i++ {
			if !nameByte(label[i]) {
				return fmt.Errorf("byte %#x not allowed in a name", label[i])
			}
		}
	}
	return nil
}

func nameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// isLocalName reports names that must not be looked up on the seller's
// machine: single labels (which search domains, LLMNR and mDNS would
// complete to the local network) and the local-only suffixes.
func isLocalName(name string) bool {
	return !strings.Contains(name, ".") || underLocalSuffix(name)
}

// underLocalSuffix reports whether name is one of the local-only suffixes
// or below one.
func underLocalSuffix(name string) bool {
	for _, s := range localSuffixes {
		if name == s || strings.HasSuffix(name, "."+s) {
			return true
		}
	}
	return false
}

// clip shortens a hostile host for an error message.
func clip(s string) string {
	const n = 80
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
