package egress

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
)

// ProxyStatusError maps an error from Resolve or DialContext to the RFC
// 9209 Proxy-Status error type a proxy should report: a refusal is
// "destination_ip_prohibited", a malformed host "destination_not_found",
// a DNS failure "dns_error" (or "dns_timeout"), and connection failures
// "connection_refused", "connection_timeout" or
// "destination_ip_unroutable". Anything else is "proxy_internal_error";
// nil gives "".
func ProxyStatusError(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrDenied):
		return "destination_ip_prohibited"
	case errors.Is(err, ErrInvalidHost):
		return "destination_not_found"
	case errors.Is(err, ErrDNS) && isTimeout(err):
		return "dns_timeout"
	case errors.Is(err, ErrDNS):
		return "dns_error"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection_refused"
	case isTimeout(err):
		return "connection_timeout"
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return "destination_ip_unroutable"
	}
	return "proxy_internal_error"
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
