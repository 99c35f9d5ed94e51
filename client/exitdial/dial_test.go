package exitdial

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"golang.org/x/net/nettest"

	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/lease"
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/relay/quicexit/quicexittest"
)

func TestDialRoundTrip(t *testing.T) {
	checkGoroutines(t)
	o := newOrigin(t, false)
	s := quicexittest.Start(t, o.addr())
	d := newDialer(t, exitOf(t, s))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", o.addr())
	if err != nil {
		t.Fatalf("DialContext: %v", err)
	}
	defer c.Close()
	if got := c.RemoteAddr().String(); got != o.addr() {
		t.Errorf("RemoteAddr: got %q, want %q", got, o.addr())
	}
	if got := c.(*Conn).ExitNodeID(); got != s.NodeID() {
		t.Errorf("ExitNodeID: got %q, want %q", got, s.NodeID())
	}
	const size = 6 << 20
	payload := make([]byte, size)
	if _, err := rand.Read(payload); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := c.Write(payload)
		if err == nil {
			err = c.(*Conn).CloseWrite()
		}
		errc <- err
	}()
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("write: %v", err)
	}
	if !bytes.Equal(got, payload) {
		t.Fatalf("echo: got %d bytes, want the %d sent", len(got), size)
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.Exit.ActiveTunnels() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if tot := s.Meter.Lease(quicexittest.LeaseID).Totals(); tot != (meter.Totals{Up: size, Down: size}) {
		t.Errorf("exit meter: got %+v, want Up=Down=%d", tot, size)
	}
}

func TestProxyErrors(t *testing.T) {
	o := newOrigin(t, false)
	s := quicexittest.Start(t, o.addr())
	other, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	elsewhere, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer elsewhere.Close()
	s.Verifier.Revoke("ls_revoked", time.Now().Add(time.Hour))
	tests := []struct {
		name, target, token string
		wantStatus          int
		wantType            string
	}{
		{"egress denies other port", elsewhere.Addr().String(), s.Token(t, nil), 403, "destination_ip_prohibited"},
		{"egress denies private", "192.168.1.1:80", s.Token(t, nil), 403, "destination_ip_prohibited"},
		{"bad token", o.addr(), "slt1.bad.token", 407, "http_request_denied"},
		{"expired token", o.addr(), s.Token(t, func(c *lease.Claims) {
			c.IssuedAt, c.ExpiresAt = time.Now().Add(-2*time.Hour), time.Now().Add(-time.Hour)
		}), 407, "http_request_denied"},
		{"revoked lease", o.addr(), s.Token(t, func(c *lease.Claims) { c.LeaseID = "ls_revoked" }), 407, "http_request_denied"},
		{"wrong node", o.addr(), s.Token(t, func(c *lease.Claims) { c.NodeID = other.NodeID() }), 403, "http_request_denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := exitOf(t, s)
			e.Token = tt.token
			_, err := newDialer(t, e).DialContext(context.Background(), "tcp", tt.target)
			var pe *ProxyError
			if !errors.As(err, &pe) {
				t.Fatalf("DialContext: got error %v, want a *ProxyError", err)
			}
			if pe.Status != tt.wantStatus || pe.ProxyStatus() != tt.wantType || pe.Details == "" {
				t.Errorf("ProxyError: got %d %q (%q), want %d %q with details", pe.Status, pe.ProxyStatus(), pe.Details, tt.wantStatus, tt.wantType)
			}
			if errors.Is(err, ErrExitUnavailable) {
				t.Errorf("DialContext: got %v, which must not wrap ErrExitUnavailable", err)
			}
		})
	}
}

func TestPinning(t *testing.T) {
	checkGoroutines(t)
	o := newOrigin(t, false)
	s := quicexittest.Start(t, o.addr())
	other, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	e := exitOf(t, s)
	e.PublicKey = other.Public()
	_, err = newDialer(t, e).DialContext(context.Background(), "tcp", o.addr())
	if !errors.Is(err, ErrExitUnavailable) || !errors.Is(err, identity.ErrPinMismatch) {
		t.Errorf("DialContext to an exit with another key: got %v, want ErrExitUnavailable and identity.ErrPinMismatch", err)
	}
	if s.Exit.ActiveTunnels() != 0 {
		t.Errorf("tunnels opened despite pin mismatch: %d", s.Exit.ActiveTunnels())
	}
}

func TestRedialAfterConnectionDies(t *testing.T) {
	o := newOrigin(t, false)
	s := quicexittest.Start(t, o.addr())
	d := newDialer(t, exitOf(t, s))
	ctx := context.Background()
	for i := range 3 {
		c, err := d.DialContext(ctx, "tcp", o.addr())
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		echoRoundTrip(t, c, "ping")
		c.Close()
		d.mu.Lock()
		conn := d.conn
		d.mu.Unlock()
		conn.CloseWithError(0, "test kills the connection")
	}
}

func TestDialRejectsLocally(t *testing.T) {
	d := newDialer(t, Exit{NodeID: "nd_none", Addr: "127.0.0.1:1"})
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name, network, address string
		ctx                    context.Context
		want                   error
	}{
		{"udp", "udp", "127.0.0.1:80", context.Background(), ErrBadAddress},
		{"no port", "tcp", "example.com", context.Background(), ErrBadAddress},
		{"port zero", "tcp", "example.com:0", context.Background(), ErrBadAddress},
		{"named port", "tcp", "example.com:http", context.Background(), ErrBadAddress},
		{"canceled", "tcp", "example.com:80", canceled, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := d.DialContext(tt.ctx, tt.network, tt.address); !errors.Is(err, tt.want) {
				t.Errorf("DialContext: got %v, want %v", err, tt.want)
			}
		})
	}
	d.Close()
	if _, err := d.DialContext(context.Background(), "tcp", "example.com:80"); !errors.Is(err, ErrClosed) {
		t.Errorf("DialContext after Close: got %v, want ErrClosed", err)
	}
}

// TestConnConformance runs the standard net.Conn conformance suite with
// the tunnel on one side and the destination's accepted socket on the other.
func TestConnConformance(t *testing.T) {
	o := newOrigin(t, true)
	s := quicexittest.Start(t, o.addr())
	d := newDialer(t, exitOf(t, s))
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		c1, err = d.DialContext(context.Background(), "tcp", o.addr())
		if err != nil {
			return nil, nil, nil, err
		}
		select {
		case c2 = <-o.handoff:
		case <-time.After(5 * time.Second):
			c1.Close()
			return nil, nil, nil, errors.New("origin accepted nothing")
		}
		return c1, c2, func() { c1.Close(); c2.Close() }, nil
	})
}
