package quicexit

import (
	"context"
	"net/http"
	"time"

	"github.com/quic-go/quic-go/http3"
	"go.uber.org/zap"

	"github.com/sparelink/sparelink/internal/lease"
)

// udpProtocol is the :protocol of CONNECT-UDP requests (RFC 9298 §3).
const udpProtocol = "connect-udp"

const (
	// defaultUDPIdleTimeout ends flows that carried no datagram for this
	// long, as Config.UDPIdleTimeout documents.
	defaultUDPIdleTimeout = 2 * time.Minute
	// maxUDPPayload is the largest UDP payload relayed in either
	// direction, an Ethernet MTU: larger ones would not fit a QUIC
	// datagram on common paths anyway, and the bound sizes the flow's
	// read buffer. Larger datagrams are dropped.
	maxUDPPayload = 1500
	// settingsWait bounds the wait for the buyer's HTTP/3 SETTINGS, which
	// say whether it accepts HTTP Datagrams.
	settingsWait = 5 * time.Second
)

// serveUDP runs one CONNECT-UDP request from checks to the end of its
// flow. Tokens are checked exactly as for TCP tunnels.
func (e *Exit) serveUDP(w http.ResponseWriter, r *http.Request) {
	claims, ok := e.authorize(w, r)
	if !ok {
		return
	}
	target, err := parseUDPPath(r.RequestURI)
	if err != nil {
		reject(w, http.StatusBadRequest, "http_request_error", "path must be "+udpPathPrefix+"{target_host}/{target_port}/")
		return
	}
	if !capsuleProtocol(r.Header) {
		reject(w, http.StatusBadRequest, "http_request_error", "CONNECT-UDP needs Capsule-Protocol: ?1")
		return
	}
	if !peerDatagrams(r.Context(), w) {
		reject(w, http.StatusBadRequest, "http_request_error", "HTTP datagrams are not enabled on this connection")
		return
	}
	e.connectUDP(w, r, claims, target)
}

// peerDatagrams waits for the buyer's SETTINGS and reports whether they
// enable HTTP Datagrams (RFC 9297 §2.1.1).
func peerDatagrams(ctx context.Context, w http.ResponseWriter) bool {
	s, ok := w.(http3.Settingser)
	if !ok {
		return false
	}
	t := time.NewTimer(settingsWait)
	defer t.Stop()
	select {
	case <-s.ReceivedSettings():
		return s.Settings().EnableDatagrams
	case <-ctx.Done():
	case <-t.C:
	}
	return false
}

// connectUDP opens a connected UDP socket to target through the egress
// policy and, once it has one, turns the request stream into a flow.
func (e *Exit) connectUDP(w http.ResponseWriter, r *http.Request, c lease.Claims, target string) {
	b, ok := e.admit(w, c) // byte cap, stream limit and rate, as for TCP
	if !ok {
		return
	}
	defer e.leave(b)
	dest, err := e.cfg.Egress.DialContext(r.Context(), "udp", target)
	if err != nil {
		if r.Context().Err() != nil {
			return
		}
		status, ptype, details := egressFailure(err)
		e.log.Debug("egress refused udp", zap.String("lease", c.LeaseID), zap.String("error", ptype))
		reject(w, status, ptype, details)
		return
	}
	// A flow is a tunnel whose destination is a UDP socket: Close,
	// CloseLease and ActiveTunnels see it like any other.
	t := &tunnel{dest: dest, lease: c.LeaseID, budget: b, limit: c.ByteCap}
	if !e.track(t) {
		_ = dest.Close()
		reject(w, http.StatusServiceUnavailable, "proxy_internal_error", "exit shutting down")
		return
	}
	defer e.untrack(t)
	w.Header().Set(http3.CapsuleProtocolHeader, "?1")
	w.WriteHeader(http.StatusOK)
	str, err := takeStream(w)
	if err != nil {
		e.log.Debug("cannot take over udp stream", zap.String("lease", c.LeaseID), zap.Error(err))
		_ = dest.Close()
		return
	}
	e.runUDP(t, str)
}

// udpIdleTimeout is Config.UDPIdleTimeout or its default.
func (e *Exit) udpIdleTimeout() time.Duration {
	if e.cfg.UDPIdleTimeout > 0 {
		return e.cfg.UDPIdleTimeout
	}
	return defaultUDPIdleTimeout
}
