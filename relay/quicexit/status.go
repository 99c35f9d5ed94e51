package quicexit

import (
	"errors"
	"net/http"
	"strings"

	"github.com/sparelink/sparelink/relay/egress"
)

// proxyName names this exit in Proxy-Status fields (RFC 9209).
const proxyName = "sparelink-exit"

// reject answers a request that will not become a tunnel, with a
// Proxy-Status field saying why.
func reject(w http.ResponseWriter, status int, errorType, details string) {
	w.Header().Set("Proxy-Status", proxyStatus(errorType, details))
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(status)
}

// proxyStatus renders one Proxy-Status list member.
func proxyStatus(errorType, details string) string {
	return proxyName + "; error=" + errorType + "; details=" + quote(details)
}

// quote renders s as a structured-field string (RFC 8941 §3.3.3),
// dropping characters that form cannot carry.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// ProxyStatuser is an error from the exit's dialer that says itself how
// buyers should see it: an HTTP status, an RFC 9209 error type and a
// detail sentence safe to show them (a node that refuses new tunnels
// while its owner does not share, say why).
type ProxyStatuser interface {
	error
	ProxyStatus() (status int, errorType, details string)
}

// egressFailure maps an egress dial error to a status, a Proxy-Status error
// type and a detail sentence. Details are fixed sentences: the raw error
// may name addresses of the exit's own network.
func egressFailure(err error) (status int, errorType, details string) {
	var own ProxyStatuser
	if errors.As(err, &own) {
		return own.ProxyStatus()
	}
	errorType = egress.ProxyStatusError(err)
	switch errorType {
	case "destination_ip_prohibited":
		return http.StatusForbidden, errorType, "destination not allowed from this exit"
	case "destination_ip_unroutable":
		return http.StatusBadGateway, errorType, "destination unreachable"
	case "dns_error", "destination_not_found":
		return http.StatusBadGateway, errorType, "destination name did not resolve"
	case "dns_timeout":
		return http.StatusGatewayTimeout, errorType, "destination name lookup timed out"
	case "connection_refused":
		return http.StatusBadGateway, errorType, "destination refused the connection"
	case "connection_timeout":
		return http.StatusGatewayTimeout, errorType, "destination did not answer in time"
	case "", "proxy_internal_error":
		return http.StatusInternalServerError, "proxy_internal_error", "exit could not dial the destination"
	default:
		return http.StatusBadGateway, errorType, "destination unavailable"
	}
}
