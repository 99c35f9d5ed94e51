package gateway

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// target validates a destination and returns it as "host:port" for the
// Dialer. host is passed on exactly as the client spelled it: names are
// never resolved here.
func (g *Gateway) target(host string, port uint16) (string, error) {
	if !validHost(host) {
		return "", &statusError{status: statusRequestErr, detail: "invalid destination host"}
	}
	if port == 0 {
		return "", &statusError{status: statusRequestErr, detail: "invalid destination port"}
	}
	if g.isSelf(host, port) {
		return "", &statusError{status: statusLoop, detail: "destination is this gateway"}
	}
	return net.JoinHostPort(host, strconv.Itoa(int(port))), nil
}

// splitTarget parses an authority "host:port" as sent by HTTP clients.
func (g *Gateway) splitTarget(authority string) (string, error) {
	host, p, err := net.SplitHostPort(authority)
	if err != nil {
		return "", &statusError{status: statusRequestErr, detail: "destination must be host:port"}
	}
	port, err := strconv.ParseUint(p, 10, 16)
	if err != nil {
		return "", &statusError{status: statusRequestErr, detail: "invalid destination port"}
	}
	return g.target(host, uint16(port))
}

// validHost accepts IP literals without zones and DNS-style host names.
func validHost(h string) bool {
	if ip, err := netip.ParseAddr(h); err == nil {
		return ip.Zone() == ""
	}
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if !validLabel(label) {
			return false
		}
	}
	return true
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 {
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

// isSelf reports whether host:port would reach one of the gateway's own
// listeners, so that no request is ever forwarded back into the gateway.
func (g *Gateway) isSelf(host string, port uint16) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, l := range g.listeners {
		la, err := netip.ParseAddrPort(l.Addr().String())
		if err != nil || la.Port() != port {
			continue
		}
		if isLoopbackHost(strings.TrimSuffix(host, ".")) {
			return true
		}
		ip, err := netip.ParseAddr(host)
		if err == nil && (ip.IsUnspecified() || ip.Unmap() == la.Addr().Unmap()) {
			return true
		}
	}
	return false
}
