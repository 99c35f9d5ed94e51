package quicexit

import (
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/lease"
	"github.com/sparelink/sparelink/metering/meter"
)

func TestConnectRoundTrip(t *testing.T) {
	checkGoroutines(t)
	e := newEnv(t, newOrigin(t, true))
	c := dialExit(t, e.addr, e.key.Public())
	str := c.connect(t, e.origin.addr(), e.token(t, nil))

	const size = 5 << 20
	payload := make([]byte, size)
	if _, err := rand.Read(payload); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := str.Write(payload)
		if err == nil {
			err = str.Close()
		}
		errc <- err
	}()
	got, err := io.ReadAll(str)
	if err != nil {
		t.Fatalf("read echo: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("write: %v", err)
	}
	if !bytes.Equal(got, payload) {
		t.Fatalf("echo: got %d bytes, want the %d sent", len(got), size)
	}
	waitFor(t, "tunnel to close", func() bool { return e.exit.ActiveTunnels() == 0 })
	leaseID := "ls_" + t.Name()
	if tot := e.meter.Lease(leaseID).Totals(); tot != (meter.Totals{Up: size, Down: size}) {
		t.Errorf("meter: got %+v, want Up=Down=%d", tot, size)
	}
}

func TestRejects(t *testing.T) {
	o := newOrigin(t, true)
	e := newEnv(t, o)
	other, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	e.verifier.Revoke("ls_revoked", time.Now().Add(time.Hour))
	tests := []struct {
		name, method, target, token string
		wantStatus                  int
		wantType                    string
	}{
		{"not connect", http.MethodGet, o.addr(), e.token(t, nil), 405, "http_request_error"},
		{"no token", http.MethodConnect, o.addr(), "", 407, "http_request_denied"},
		{"garbage token", http.MethodConnect, o.addr(), "slt1.x.y", 407, "http_request_denied"},
		{"expired", http.MethodConnect, o.addr(), e.token(t, func(c *lease.Claims) {
			c.IssuedAt, c.ExpiresAt = time.Now().Add(-2*time.Hour), time.Now().Add(-time.Hour)
		}), 407, "http_request_denied"},
		{"revoked", http.MethodConnect, o.addr(), e.token(t, func(c *lease.Claims) { c.LeaseID = "ls_revoked" }), 407, "http_request_denied"},
		{"wrong node", http.MethodConnect, o.addr(), e.token(t, func(c *lease.Claims) { c.NodeID = other.NodeID() }), 403, "http_request_denied"},
		{"no quic", http.MethodConnect, o.addr(), e.token(t, func(c *lease.Claims) { c.Protocols = []string{"wg"} }), 403, "http_request_denied"},
		{"bad target", http.MethodConnect, "127.0.0.1", e.token(t, nil), 400, "http_request_error"},
		{"port zero", http.MethodConnect, "127.0.0.1:0", e.token(t, nil), 400, "http_request_error"},
		{"egress denied", http.MethodConnect, closed.Addr().String(), e.token(t, nil), 403, "destination_ip_prohibited"},
		{"private range", http.MethodConnect, "10.1.2.3:443", e.token(t, nil), 403, "destination_ip_prohibited"},
		{"smtp", http.MethodConnect, "localhost:25", e.token(t, nil), 403, "destination_ip_prohibited"},
	}
	c := dialExit(t, e.addr, e.key.Public())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, rsp := c.request(t, tt.method, tt.target, tt.token)
			ps := rsp.Header.Get("Proxy-Status")
			if rsp.StatusCode != tt.wantStatus {
				t.Errorf("status: got %d (%s), want %d", rsp.StatusCode, ps, tt.wantStatus)
			}
			if want := proxyName + "; error=" + tt.wantType + ";"; !strings.HasPrefix(ps, want) {
				t.Errorf("Proxy-Status: got %q, want prefix %q", ps, want)
			}
		})
	}
	if n := o.accepted.Load(); n != 0 {
		t.Errorf("origin connections: got %d, want 0 for refused requests", n)
	}
}

func TestRefusedDestination(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := closed.Addr().String()
	closed.Close()
	// The origin here is only a listener whose address the egress allows;
	// closing it makes the allowed destination refuse connections.
	o := &origin{ln: mustListenAt(t, addr)}
	e := newEnv(t, o)
	o.ln.Close()
	c := dialExit(t, e.addr, e.key.Public())
	_, rsp := c.request(t, http.MethodConnect, addr, e.token(t, nil))
	if rsp.StatusCode != http.StatusBadGateway || !strings.Contains(rsp.Header.Get("Proxy-Status"), "error=connection_refused") {
		t.Errorf("got %d %q, want 502 with error=connection_refused", rsp.StatusCode, rsp.Header.Get("Proxy-Status"))
	}
}

func mustListenAt(t *testing.T, addr string) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	return ln
}

func TestByteCap(t *testing.T) {
	checkGoroutines(t)
	e := newEnv(t, newOrigin(t, false))
	const byteCap = 100_000
	tok := e.token(t, func(c *lease.Claims) { c.ByteCap = byteCap })
	c := dialExit(t, e.addr, e.key.Public())
	str := c.connect(t, e.origin.addr(), tok)
	_, werr := str.Write(make([]byte, 1<<20))
	_ = str.Close()
	_, rerr := io.ReadAll(str)
	if werr == nil && rerr == nil {
		t.Errorf("tunnel past its cap: write and read both succeeded, want the tunnel closed")
	}
	waitFor(t, "tunnel to close", func() bool { return e.exit.ActiveTunnels() == 0 })
	if tot := e.meter.Lease("ls_" + t.Name()).Totals(); tot != (meter.Totals{Up: byteCap}) {
		t.Errorf("meter: got %+v, want Up=%d Down=0", tot, byteCap)
	}
	_, rsp := c.request(t, http.MethodConnect, e.origin.addr(), tok)
	if rsp.StatusCode != http.StatusForbidden {
		t.Errorf("CONNECT after cap: got %d, want 403", rsp.StatusCode)
	}
}

func TestCloseEndsTunnels(t *testing.T) {
	checkGoroutines(t)
	e := newEnv(t, newOrigin(t, true))
	c := dialExit(t, e.addr, e.key.Public())
	tok := e.token(t, nil)
	strs := []io.Reader{c.connect(t, e.origin.addr(), tok), c.connect(t, e.origin.addr(), tok)}
	if got := e.exit.ActiveTunnels(); got != 2 {
		t.Fatalf("ActiveTunnels: got %d, want 2", got)
	}
	done := make(chan error, 1)
	go func() { done <- e.exit.Close() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	for i, s := range strs {
		if _, err := s.Read(make([]byte, 1)); err == nil {
			t.Errorf("tunnel %d: read after Close succeeded, want an error", i)
		}
	}
	if got := e.exit.ActiveTunnels(); got != 0 {
		t.Errorf("ActiveTunnels after Close: got %d, want 0", got)
	}
	if err := e.exit.Close(); err != nil {
		t.Errorf("second Close: got %v, want nil", err)
	}
	if _, err := e.exit.Listen("127.0.0.1:0"); err != ErrClosed {
		t.Errorf("Listen after Close: got %v, want ErrClosed", err)
	}
}

func TestCloseLease(t *testing.T) {
	e := newEnv(t, newOrigin(t, true))
	c := dialExit(t, e.addr, e.key.Public())
	keep := c.connect(t, e.origin.addr(), e.token(t, func(cl *lease.Claims) { cl.LeaseID = "ls_keep" }))
	tok := e.token(t, func(cl *lease.Claims) { cl.LeaseID = "ls_gone" })
	gone := []io.Reader{c.connect(t, e.origin.addr(), tok), c.connect(t, e.origin.addr(), tok)}
	if n := e.exit.CloseLease("ls_gone"); n != 2 {
		t.Errorf("CloseLease: got %d tunnels, want 2", n)
	}
	for i, s := range gone {
		if _, err := s.Read(make([]byte, 1)); err == nil {
			t.Errorf("closed tunnel %d: read succeeded, want an error", i)
		}
	}
	if _, err := keep.Write([]byte("ok")); err != nil {
		t.Fatalf("other lease's tunnel: write: %v", err)
	}
	buf := make([]byte, 2)
	if _, err := io.ReadFull(keep, buf); err != nil || string(buf) != "ok" {
		t.Errorf("other lease's tunnel: got %q, %v, want \"ok\"", buf, err)
	}
	waitFor(t, "closed tunnels to go", func() bool { return e.exit.ActiveTunnels() == 1 })
}

func TestNewChecksConfig(t *testing.T) {
	key, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	v := lease.NewVerifier(nil, nil)
	eg := &net.Dialer{}
	nameless, _ := operatorCert(t)
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"complete", Config{Key: key, Verifier: v, Egress: eg}, true},
		{"no key", Config{Verifier: v, Egress: eg}, false},
		{"no verifier", Config{Key: key, Egress: eg}, false},
		{"no egress", Config{Key: key, Verifier: v}, false},
		{"nameless certificate", Config{Key: key, Verifier: v, Egress: eg, Options: Options{Certificate: &nameless}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New(tt.cfg, zaptest.NewLogger(t))
			if (err == nil) != tt.ok {
				t.Fatalf("New: got error %v, want ok=%v", err, tt.ok)
			}
			if e == nil {
				return
			}
			defer e.Close()
			if e.cfg.MaxStreamsPerConn != defaultMaxStreams || e.cfg.IdleTimeout != defaultIdleTimeout || e.cfg.Meter == nil {
				t.Errorf("defaults: got streams=%d idle=%s meter=%v, want %d %s non-nil",
					e.cfg.MaxStreamsPerConn, e.cfg.IdleTimeout, e.cfg.Meter, defaultMaxStreams, defaultIdleTimeout)
			}
			if o := e.cfg.Options; o.MaxStreamsPerLease != defaultMaxStreamsPerLease || o.RetryAbove != defaultRetryAbove || e.nodeRate.Load() != nil {
				t.Errorf("option defaults: got streams per lease=%d retry above=%v node cap=%v, want %d %v none",
					o.MaxStreamsPerLease, o.RetryAbove, e.nodeRate.Load() != nil, defaultMaxStreamsPerLease, defaultRetryAbove)
			}
		})
	}
}
