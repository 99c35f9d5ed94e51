package quicexit

import (
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/quic-go/quic-go"
	"go.uber.org/zap"
)

// Listen opens a UDP socket on addr (such as "127.0.0.1:0") and serves
// HTTP/3 on it in the background. It returns the bound address. An exit may
// listen on several addresses.
func (e *Exit) Listen(addr string) (net.Addr, error) {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("quic exit listen %s: %w", addr, err)
	}
	conn, err := net.ListenUDP("udp", ua)
	if err != nil {
		return nil, fmt.Errorf("quic exit listen %s: %w", addr, err)
	}
	raiseBuffers(conn, e.log)
	tr := &quic.Transport{
		Conn:                conn,
		VerifySourceAddress: e.retry.requireRetry,
		ConnContext:         e.retry.connContext,
	}
	ln, err := tr.Listen(e.tls, e.quic)
	if err != nil {
		_ = tr.Close()
		_ = conn.Close()
		return nil, fmt.Errorf("quic exit listen %s: %w", addr, err)
	}
	l := &listener{conn: conn, tr: tr, ln: ln}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		l.close()
		return nil, ErrClosed
	}
	e.listeners = append(e.listeners, l)
	e.serving.Add(1)
	e.mu.Unlock()
	go e.serve(l)
	e.log.Info("listening", zap.Stringer("addr", conn.LocalAddr()), zap.String("node", e.nodeID))
	return conn.LocalAddr(), nil
}

// serve runs the HTTP/3 server on l until the exit closes.
func (e *Exit) serve(l *listener) {
	defer e.serving.Done()
	err := e.srv.ServeListener(l.ln)
	if err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, quic.ErrServerClosed) {
		e.log.Warn("serving stopped", zap.Error(err))
	}
}

func (l *listener) close() {
	_ = l.ln.Close()
	_ = l.tr.Close()
	_ = l.conn.Close()
}

// Close stops serving, closes every tunnel and waits for all of them to
// finish. It is idempotent.
func (e *Exit) Close() error {
	e.closeOnce.Do(func() {
		e.mu.Lock()
		e.closed = true
		lns := e.listeners
		tunnels := make([]*tunnel, 0, len(e.tunnels))
		for t := range e.tunnels {
			tunnels = append(tunnels, t)
		}
		e.mu.Unlock()
		for _, t := range tunnels {
			t.abort()
		}
		e.closeErr = e.srv.Close()
		for _, l := range lns {
			l.close()
		}
		e.serving.Wait()
		e.handlers.Wait()
	})
	return e.closeErr
}

// ActiveTunnels returns the number of tunnels currently open.
func (e *Exit) ActiveTunnels() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.tunnels)
}

// CloseLease ends every open tunnel of leaseID at once and returns how
// many there were. Call it with Verifier.Revoke so that a revoked lease
// loses its open tunnels as well as new ones.
func (e *Exit) CloseLease(leaseID string) int {
	e.mu.Lock()
	var victims []*tunnel
	for t := range e.tunnels {
		if t.lease == leaseID {
			victims = append(victims, t)
		}
	}
	e.mu.Unlock()
	for _, t := range victims {
		t.abort()
	}
	return len(victims)
}
