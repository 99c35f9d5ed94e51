package quicexit

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/quic-go/quic-go/http3"
	"go.uber.org/zap"

	"github.com/sparelink/sparelink/internal/lease"
)

// protocol is the name lease tokens must list to be used on this exit.
const protocol = "quic"

// handler serves the exit's HTTP/3 requests. It is a separate type so
// that Exit itself does not expose ServeHTTP.
type handler struct{ e *Exit }

// ServeHTTP runs one CONNECT request from checks to the end of its tunnel.
func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e := h.e
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		reject(w, http.StatusServiceUnavailable, "proxy_internal_error", "exit shutting down")
		return
	}
	e.handlers.Add(1)
	e.mu.Unlock()
	defer e.handlers.Done()

	if r.Method != http.MethodConnect {
		w.Header().Set("Allow", http.MethodConnect)
		reject(w, http.StatusMethodNotAllowed, "http_request_error", "only CONNECT is served")
		return
	}
	if r.Proto == udpProtocol { // extended CONNECT for UDP, RFC 9298; see udp.go
		e.serveUDP(w, r)
		return
	}
	if r.Proto == ReceiptProtocol { // a lease's receipt stream; see receiptstream.go
		e.serveReceipts(w, r)
		return
	}
	if r.Proto != "HTTP/3.0" {
		reject(w, http.StatusNotImplemented, "http_request_error", "extended CONNECT is not served")
		return
	}
	claims, ok := e.authorize(w, r)
	if !ok {
		return
	}
	target, err := parseTarget(r.Host)
	if err != nil {
		reject(w, http.StatusBadRequest, "http_request_error", "target must be host:port")
		return
	}
	e.connect(w, r, claims, target)
}

// authorize checks the request's lease token and writes the rejection when
// it does not admit the request.
func (e *Exit) authorize(w http.ResponseWriter, r *http.Request) (lease.Claims, bool) {
	tok, ok := bearerToken(r.Header)
	if !ok {
		w.Header().Set("Proxy-Authenticate", `Bearer realm="sparelink"`)
		reject(w, http.StatusProxyAuthRequired, "http_request_denied", "missing bearer token")
		return lease.Claims{}, false
	}
	claims, err := e.cfg.Verifier.Verify(tok, e.nodeID)
	if err != nil {
		status, details := authFailure(err)
		if status == http.StatusProxyAuthRequired {
			w.Header().Set("Proxy-Authenticate", `Bearer realm="sparelink", error="invalid_token"`)
		}
		e.log.Debug("token refused", zap.String("reason", details))
		reject(w, status, "http_request_denied", details)
		return lease.Claims{}, false
	}
	if !claims.AllowsProtocol(protocol) {
		reject(w, http.StatusForbidden, "http_request_denied", "lease does not include quic")
		return lease.Claims{}, false
	}
	return claims, true
}

// authFailure maps a verification error to a status and a detail sentence.
func authFailure(err error) (int, string) {
	switch {
	case errors.Is(err, lease.ErrWrongNode):
		return http.StatusForbidden, "token is for another node"
	case errors.Is(err, lease.ErrExpired):
		return http.StatusProxyAuthRequired, "token expired"
	case errors.Is(err, lease.ErrRevoked):
		return http.StatusProxyAuthRequired, "lease revoked"
	default:
		return http.StatusProxyAuthRequired, "invalid token"
	}
}

// bearerToken extracts the token of the only Proxy-Authorization header.
func bearerToken(h http.Header) (string, bool) {
	vals := h.Values("Proxy-Authorization")
	if len(vals) != 1 {
		return "", false
	}
	scheme, tok, ok := strings.Cut(vals[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != "" && !strings.ContainsAny(tok, " \t")
}

// connect dials target and, once it answers, turns the request stream into
// a tunnel to it.
func (e *Exit) connect(w http.ResponseWriter, r *http.Request, c lease.Claims, target string) {
	b, ok := e.admit(w, c)
	if !ok {
		return
	}
	defer e.leave(b)
	dest, err := e.cfg.Egress.DialContext(r.Context(), "tcp", target)
	if err != nil {
		if r.Context().Err() != nil {
			return // the buyer gave up; nobody is left to answer
		}
		status, ptype, details := egressFailure(err)
		e.log.Debug("egress refused", zap.String("lease", c.LeaseID), zap.String("error", ptype))
		reject(w, status, ptype, details)
		return
	}
	t := &tunnel{dest: dest, lease: c.LeaseID, budget: b, limit: c.ByteCap}
	if !e.track(t) {
		_ = dest.Close()
		reject(w, http.StatusServiceUnavailable, "proxy_internal_error", "exit shutting down")
		return
	}
	defer e.untrack(t)
	w.WriteHeader(http.StatusOK)
	str, err := takeStream(w)
	if err != nil {
		e.log.Debug("cannot take over stream", zap.String("lease", c.LeaseID), zap.Error(err))
		_ = dest.Close()
		return
	}
	e.run(t, str)
}

// takeStream sends the response header and takes the request stream over
// for the tunnel.
func takeStream(w http.ResponseWriter) (*http3.Stream, error) {
	if err := http.NewResponseController(w).Flush(); err != nil {
		return nil, fmt.Errorf("send CONNECT response: %w", err)
	}
	hs, ok := w.(http3.HTTPStreamer)
	if !ok {
		return nil, errors.New("response writer cannot hand over its stream")
	}
	return hs.HTTPStream()
}

// track registers t unless the exit is closing.
func (e *Exit) track(t *tunnel) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return false
	}
	e.tunnels[t] = struct{}{}
	return true
}

func (e *Exit) untrack(t *tunnel) {
	e.mu.Lock()
	delete(e.tunnels, t)
	e.mu.Unlock()
}
