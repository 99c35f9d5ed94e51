package quicexit

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

var errBadTarget = errors.New("CONNECT target must be host:port")

// parseTarget checks a CONNECT authority strictly and returns it in
// canonical form: a lower-case host name, a dotted-quad IPv4 or a
// bracketed IPv6 address without zone, and a decimal port from 1 to 65535
// without leading zeros. Which addresses may be reached is the egress
// policy's business, not this parser's.
func parseTarget(authority string) (string, error) {
	host, port, err := net.SplitHostPort(authority)
	if err != nil || !validPort(port) {
		return "", errBadTarget
	}
	if strings.HasPrefix(authority, "[") {
		addr, err := netip.ParseAddr(host)
		if err != nil || !addr.Is6() || addr.Zone() != "" {
			return "", errBadTarget
		}
		return net.JoinHostPort(addr.String(), port), nil
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if !addr.Is4() {
			return "", errBadTarget // IPv6 must be bracketed
		}
		return net.JoinHostPort(addr.String(), port), nil
	}
	if !validHostname(host) {
		return "", errBadTarget
	}
	return net.JoinHostPort(strings.ToLower(host), port), nil
}

// validPort accepts 1-65535 written in plain decimal.
func validPort(s string) bool {
	if s == "" || len(s) > 5 || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	n, err := strconv.Atoi(s)
	return err == nil && n >= 1 && n <= 65535
}

// validHostname accepts DNS names of letters, digits, hyphens and
// underscores with an optional final dot. A name whose last label is all
// digits is refused: it is an IPv4 spelling (such as "127.1") that
// netip.ParseAddr did not accept.
func validHostname(h string) bool {
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if !validLabel(l) {
			return false
		}
	}
	return !allDigits(labels[len(labels)-1])
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
