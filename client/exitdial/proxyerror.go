package exitdial

import (
	"fmt"
	"net/http"
	"strings"
)

// ProxyError is an exit's refusal of a CONNECT request: a bad token, a
// destination its egress policy refuses, a destination that did not answer.
// The exit itself is reachable, so a Pool does not mark it down.
type ProxyError struct {
	// Status is the HTTP status code of the exit's answer.
	Status int
	// Type is the RFC 9209 error type from the Proxy-Status field, such as
	// "destination_ip_prohibited"; empty if the exit sent none.
	Type string
	// Details is the exit's explanation, if any.
	Details string
}

// Error describes the refusal.
func (e *ProxyError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "exit refused CONNECT: %d %s", e.Status, http.StatusText(e.Status))
	if e.Type != "" {
		b.WriteString(": " + e.Type)
	}
	if e.Details != "" {
		b.WriteString(" (" + e.Details + ")")
	}
	return b.String()
}

// ProxyStatus returns the RFC 9209 error type, so gateways can map it to
// their own reply codes (SOCKS5 "connection not allowed", "host
// unreachable", …).
func (e *ProxyError) ProxyStatus() string { return e.Type }

// proxyErrorFrom reads a non-2xx CONNECT answer. A Proxy-Status field that
// does not parse leaves Type empty rather than failing the dial twice.
func proxyErrorFrom(rsp *http.Response) *ProxyError {
	pe := &ProxyError{Status: rsp.StatusCode}
	if vals := rsp.Header.Values("Proxy-Status"); len(vals) > 0 {
		if t, details, err := ParseProxyStatus(strings.Join(vals, ", ")); err == nil {
			pe.Type, pe.Details = t, details
		}
	}
	return pe
}
