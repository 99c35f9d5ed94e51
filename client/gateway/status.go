package gateway

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	"go.uber.org/zap"
)

// RFC 9209 error types the gateway produces itself. Dialers may report any
// other registered type through a ProxyStatus method.
const (
	statusDenied      = "http_request_denied"
	statusRequestErr  = "http_request_error"
	statusProhibited  = "destination_ip_prohibited"
	statusTimeout     = "connection_timeout"
	statusLoop        = "proxy_loop_detected"
	statusInternal    = "proxy_internal_error"
	statusConnLimit   = "connection_limit_reached"
	statusResponseErr = "http_protocol_error"
)

// proxyStatusHeaderName is the RFC 9209 response field.
const proxyStatusHeaderName = "Proxy-Status"

// maxDetails bounds the details parameter sent to clients.
const maxDetails = 200

// statusError is an error that carries its own RFC 9209 error type, and
// optionally the SOCKS5 reply code to use instead of the one the type maps
// to, and an error to wrap.
type statusError struct {
	status string
	detail string
	reply  byte
	err    error
}

func (e *statusError) Error() string       { return e.detail }
func (e *statusError) ProxyStatus() string { return e.status }
func (e *statusError) Unwrap() error       { return e.err }

// replyFor is the SOCKS5 reply for err.
func replyFor(err error) byte {
	var se *statusError
	if errors.As(err, &se) && se.reply != 0 {
		return se.reply
	}
	return socksReply(errorType(err))
}

// proxyStatuser is implemented by errors that know their RFC 9209 type.
type proxyStatuser interface{ ProxyStatus() string }

// errorType returns the RFC 9209 error type that best describes err.
func errorType(err error) string {
	var ps proxyStatuser
	if errors.As(err, &ps) {
		if t := ps.ProxyStatus(); validToken(t) {
			return t
		}
		return statusInternal
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return statusTimeout
	}
	return statusInternal
}

// validToken accepts the lower-case token spelling RFC 9209 types use, so
// nothing a dialer returns can break the header syntax.
func validToken(t string) bool {
	if t == "" || len(t) > 64 {
		return false
	}
	for _, r := range t {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' && r != '-' {
			return false
		}
	}
	return true
}

// SOCKS5 reply codes (RFC 1928 section 6).
const (
	repSucceeded          byte = 0x00
	repGeneralFailure     byte = 0x01
	repNotAllowed         byte = 0x02
	repNetUnreachable     byte = 0x03
	repHostUnreachable    byte = 0x04
	repConnRefused        byte = 0x05
	repCmdNotSupported    byte = 0x07
	repAddrTypeNotSupport byte = 0x08
)

// socksReply maps an RFC 9209 error type to the closest SOCKS5 reply.
func socksReply(errType string) byte {
	switch errType {
	case statusProhibited, statusDenied, statusLoop:
		return repNotAllowed
	case "destination_ip_unroutable":
		return repNetUnreachable
	case "dns_error", "dns_timeout", "destination_not_found", "destination_unavailable", statusTimeout:
		return repHostUnreachable
	case "connection_refused":
		return repConnRefused
	default:
		return repGeneralFailure
	}
}

// httpStatus maps an RFC 9209 error type to the response status code.
func httpStatus(errType string) int {
	switch errType {
	case statusProhibited, statusDenied, statusLoop:
		return http.StatusForbidden
	case statusTimeout, "dns_timeout", "connection_read_timeout", "http_response_timeout":
		return http.StatusGatewayTimeout
	case statusConnLimit:
		return http.StatusServiceUnavailable
	case statusRequestErr:
		return http.StatusBadRequest
	default:
		return http.StatusBadGateway
	}
}

// proxyStatusValue formats the Proxy-Status field value for an error.
func proxyStatusValue(errType, details string) string {
	return `sparelink-gateway; error=` + errType + `; details="` + sfString(details) + `"`
}

// sfString makes s a valid structured-field string body: printable ASCII
// only, with backslash and quote escaped, bounded in length.
func sfString(s string) string {
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < maxDetails; i++ {
		c := s[i]
		switch {
		case c == '\\' || c == '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c > 0x7e:
			b.WriteByte('?')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// reason describes err for logs without the socket addresses that
// net.OpError carries, so client addresses never reach the log.
func reason(err error) zap.Field {
	var ne net.Error
	switch {
	case errors.Is(err, errSOCKS):
		return zap.String("reason", err.Error())
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return zap.String("reason", "peer hung up")
	case errors.As(err, &ne) && ne.Timeout():
		return zap.String("reason", "timeout")
	case errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE):
		return zap.String("reason", "connection closed")
	default:
		return zap.String("reason", errorType(err))
	}
}
