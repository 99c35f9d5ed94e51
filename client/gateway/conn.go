package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/sparelink/sparelink/metering/meter"
)

// errNoHalfClose is returned by CloseWrite on tunnels that cannot half-close.
var errNoHalfClose = errors.New("connection does not support half-close")

// tunnel is a connection from the Dialer. It counts every byte crossing it
// (writes as Up, reads as Down) and is closed by Gateway.Close if still
// open.
type tunnel struct {
	net.Conn
	counter *meter.Counter
	g       *Gateway
	once    sync.Once
}

// dial opens a counted tunnel to addr through an exit, the session's
// when the mode keeps sessions on one exit.
func (g *Gateway) dial(ctx context.Context, addr, session string) (*tunnel, error) {
	c, err := g.dialVia(ctx, "tcp", addr, session)
	if err != nil {
		return nil, fmt.Errorf("dial through exit: %w", err)
	}
	if c == nil {
		return nil, &statusError{status: statusInternal, detail: "dialer returned no connection"}
	}
	t := &tunnel{Conn: c, counter: g.counter, g: g}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		_ = c.Close()
		return nil, ErrClosed
	}
	g.tunnels[t] = struct{}{}
	return t, nil
}

func (t *tunnel) Read(p []byte) (int, error) {
	n, err := t.Conn.Read(p)
	t.counter.AddDown(int64(n))
	return n, err
}

func (t *tunnel) Write(p []byte) (int, error) {
	n, err := t.Conn.Write(p)
	t.counter.AddUp(int64(n))
	return n, err
}

// CloseWrite half-closes the tunnel when the Dialer's connection allows it.
func (t *tunnel) CloseWrite() error {
	if hc, ok := t.Conn.(meter.HalfCloser); ok {
		return hc.CloseWrite()
	}
	return errNoHalfClose
}

// Close closes the tunnel once and stops tracking it.
func (t *tunnel) Close() error {
	var err error
	t.once.Do(func() {
		err = t.Conn.Close()
		t.g.mu.Lock()
		delete(t.g.tunnels, t)
		t.g.mu.Unlock()
	})
	return err
}

// clientConn is a client connection whose first bytes may already sit in
// a bufio.Reader (HTTP CONNECT clients may send payload right after the
// request head).
type clientConn struct {
	net.Conn
	r io.Reader
}

func (c *clientConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// CloseWrite half-closes the client connection when it is TCP.
func (c *clientConn) CloseWrite() error {
	if hc, ok := c.Conn.(meter.HalfCloser); ok {
		return hc.CloseWrite()
	}
	return errNoHalfClose
}

// pipe copies between client and tunnel until both directions end. The
// tunnel counts the bytes, so meter.Pipe gets a throwaway counter.
func (g *Gateway) pipe(client io.ReadWriter, t *tunnel) {
	var scratch meter.Counter
	if err := meter.Pipe(client, t, &scratch); err != nil && g.ctx.Err() == nil {
		g.log.Debug("tunnel ended with error", reason(err))
	}
}
