package exitdial

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/quic-go/quic-go"
)

// probe makes one round trip to the exit. certain is true when the failure
// needs no confirmation: the QUIC connection is closed or cannot be made.
// An exit that was up and has lost its connection fails at once rather
// than after a new handshake, which a dead exit would let time out; the
// probes after that one make the handshake.
func (d *Dialer) probe(ctx context.Context, timeout time.Duration, wasUp bool) (certain bool, err error) {
	if dead := d.closedConn(); dead != nil {
		// The exit closed the connection, or it timed out: dead until a
		// later probe connects again.
		d.forget(dead)
		return true, d.unavailable(fmt.Errorf("connection closed: %w", context.Cause(dead.Context())))
	}
	conn, cc, err := d.current()
	if err != nil {
		return true, err
	}
	if conn == nil && wasUp {
		return true, d.unavailable(errors.New("connection lost"))
	}
	if conn == nil && d.via != nil && !d.pathReady() {
		return false, errPathOpening
	}
	if conn == nil {
		hctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
		defer cancel()
		if _, cc, err = d.clientConn(hctx); err != nil {
			return true, err
		}
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(pctx, http.MethodHead, "https://"+d.exit.Addr+"/", nil)
	if err != nil {
		return true, fmt.Errorf("health probe: %w", err)
	}
	rsp, err := cc.RoundTrip(req)
	if err != nil {
		return cc.Context().Err() != nil, d.unavailable(fmt.Errorf("health probe: %w", err))
	}
	_ = rsp.Body.Close()
	return false, nil
}

// closedConn returns the dialer's current connection if it has ended.
func (d *Dialer) closedConn() *quic.Conn {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn != nil && d.conn.Context().Err() != nil {
		return d.conn
	}
	return nil
}

// dropConns closes the dialer's QUIC connections without closing the
// dialer, so that tunnels on a dead exit fail now rather than at the QUIC
// idle timeout, and the next dial makes a new connection.
func (d *Dialer) dropConns(reason string) {
	d.mu.Lock()
	conns := d.retired
	if d.conn != nil {
		conns = append(conns, d.conn)
	}
	d.conn, d.cc, d.retired = nil, nil, nil
	d.mu.Unlock()
	for _, c := range conns {
		_ = c.CloseWithError(0, reason)
	}
}
