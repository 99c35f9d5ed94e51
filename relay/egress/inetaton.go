package egress

import (
	"net/netip"
	"strings"
)

// looksNumeric reports whether a lower-case host whose last label is all
// digits, or "0x" followed by hex digits, must be read as an IPv4 address.
// No top-level domain is numeric, so such a host is never a DNS name, and
// it must never reach a resolver that could read it differently.
func looksNumeric(host string) bool {
	last := host[strings.LastIndexByte(host, '.')+1:]
	if last == "" {
		return false
	}
	if rest, ok := strings.CutPrefix(last, "0x"); ok {
		return strings.Trim(rest, "0123456789abcdef") == ""
	}
	return strings.Trim(last, "0123456789") == ""
}

// parseInetAton reads a lower-case host the way the C library's inet_aton
// does: one to four dot-separated parts, each decimal, octal (leading 0)
// or hex (leading 0x), with the last part filling all remaining bytes. So
// "127.1", "0x7f.0.0.1", "0177.0.0.01", "017700000001" and "2130706433"
// are all 127.0.0.1.
func parseInetAton(host string) (netip.Addr, bool) {
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var out uint32
	for i, p := range parts {
		v, ok := parseAtonPart(p)
		if !ok {
			return netip.Addr{}, false
		}
		if i < len(parts)-1 {
			if v > 0xff {
				return netip.Addr{}, false
			}
			out |= uint32(v) << (8 * (3 - i))
			continue
		}
		if v > uint64(0xffffffff)>>(8*i) {
			return netip.Addr{}, false
		}
		out |= uint32(v)
	}
	return netip.AddrFrom4([4]byte{byte(out >> 24), byte(out >> 16), byte(out >> 8), byte(out)}), true
}

// parseAtonPart reads one part. Values are capped just above 2^32 so long
// digit strings cannot overflow; the caller rejects anything that large.
func parseAtonPart(p string) (uint64, bool) {
	base, digits := uint64(10), p
	switch {
	case p == "":
		return 0, false
	case strings.HasPrefix(p, "0x"):
		base, digits = 16, p[2:]
	case len(p) > 1 && p[0] == '0':
		base, digits = 8, p[1:]
	}
	var v uint64
	for i := 0; i < len(digits); i++ {
		d, ok := digitValue(digits[i], base)
		if !ok {
			return 0, false
		}
		v = min(v*base+d, 1<<33)
	}
	return v, true
}

func digitValue(c byte, base uint64) (uint64, bool) {
	var d uint64
	switch {
	case c >= '0' && c <= '9':
		d = uint64(c - '0')
	case c >= 'a' && c <= 'f':
		d = uint64(c-'a') + 10
	default:
		return 0, false
	}
	return d, d < base
}
