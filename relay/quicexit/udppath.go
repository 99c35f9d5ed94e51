package quicexit

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/quic-go/quic-go/quicvarint"
)

// udpPathPrefix starts the default CONNECT-UDP URI template of RFC 9298
// §3: /.well-known/masque/udp/{target_host}/{target_port}/.
const udpPathPrefix = "/.well-known/masque/udp/"

var errBadUDPPath = errors.New("CONNECT-UDP path must be " + udpPathPrefix + "{target_host}/{target_port}/")

// parseUDPPath reads the target of a CONNECT-UDP request from its raw
// :path and returns it as parseTarget does. The host may be percent-encoded
// (an IPv6 literal arrives as 2001%3Adb8%3A%3A1); the port may not. A
// query, a missing final slash or extra segments are refused, and so is
// whatever parseTarget refuses.
func parseUDPPath(path string) (string, error) {
	rest, ok := strings.CutPrefix(path, udpPathPrefix)
	if !ok || strings.ContainsAny(rest, "?#") {
		return "", errBadUDPPath
	}
	rest, ok = strings.CutSuffix(rest, "/")
	if !ok {
		return "", errBadUDPPath
	}
	rawHost, port, ok := strings.Cut(rest, "/")
	if !ok || rawHost == "" || strings.Contains(port, "/") || !validPort(port) {
		return "", errBadUDPPath
	}
	host, err := url.PathUnescape(rawHost)
	if err != nil || strings.HasPrefix(host, "[") {
		return "", errBadUDPPath
	}
	// JoinHostPort brackets a host with a colon, so an IPv6 literal
	// reaches parseTarget in the form it accepts.
	target, err := parseTarget(net.JoinHostPort(host, port))
	if err != nil {
		return "", errBadUDPPath
	}
	return target, nil
}

// udpPayload returns the UDP payload of an HTTP Datagram (RFC 9297): a
// context ID, then the payload. Only context ID 0 carries UDP payloads
// (RFC 9298 §4); datagrams with any other, or no readable, context ID are
// for extensions this exit does not speak, and are dropped.
func udpPayload(d []byte) ([]byte, bool) {
	id, n, err := quicvarint.Parse(d)
	if err != nil || id != 0 {
		return nil, false
	}
	return d[n:], true
}

// capsuleProtocol reports whether h carries exactly one Capsule-Protocol
// field whose value is the structured-field boolean true (RFC 9297 §3.4);
// parameters after the value are allowed and ignored.
func capsuleProtocol(h http.Header) bool {
	vals := h.Values("Capsule-Protocol")
	if len(vals) != 1 {
		return false
	}
	item, _, _ := strings.Cut(strings.Trim(vals[0], " \t"), ";")
	return item == "?1"
}
