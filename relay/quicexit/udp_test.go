package quicexit

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sparelink/sparelink/internal/lease"
	"github.com/sparelink/sparelink/metering/meter"
)

func TestConnectUDPRoundTrip(t *testing.T) {
	checkGoroutines(t)
	o := newUDPOrigin(t, false)
	e := newUDPEnv(t, o.addr(), 0)
	c := dialUDPExit(t, e.addr, e.key.Public(), true)
	str, rsp := c.requestUDP(t, udpPath(o.addr()), e.token(t, nil), nil)
	if rsp.StatusCode != http.StatusOK {
		t.Fatalf("CONNECT-UDP: got status %d (%s), want 200", rsp.StatusCode, rsp.Header.Get("Proxy-Status"))
	}
	if got := rsp.Header.Get("Capsule-Protocol"); got != "?1" {
		t.Errorf("Capsule-Protocol: got %q, want \"?1\"", got)
	}
	var want meter.Totals
	for i, name := range []string{"example.com", "a.example.net", "sparelink.test"} {
		q := dnsQuery(uint16(0x1000+i), name)
		a := exchange(t, str, q, 5*time.Second)
		if !bytes.Equal(a, dnsAnswer(q)) {
			t.Fatalf("answer to query %d: got % x, want % x", i, a, dnsAnswer(q))
		}
		if !bytes.HasSuffix(a, answerIP) || a[0] != q[0] || a[1] != q[1] {
			t.Fatalf("answer to query %d: got % x, want ID %x and address %v", i, a, q[:2], answerIP)
		}
		want.Up += int64(len(q))
		want.Down += int64(len(a))
	}
	str.CancelRead(0)
	str.Close()
	waitFor(t, "flow to end with its stream", func() bool { return e.exit.ActiveTunnels() == 0 })
	if got := e.meter.Lease(leaseOf(t)).Totals(); got != want {
		t.Errorf("meter: got %+v, want %+v", got, want)
	}
	if got := o.received.Load(); got != 3 {
		t.Errorf("origin datagrams: got %d, want 3", got)
	}
}

func TestConnectUDPRejects(t *testing.T) {
	o := newUDPOrigin(t, true)
	e := newUDPEnv(t, o.addr(), 0)
	other, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ok := udpPath(o.addr())
	good := e.token(t, nil)
	noCapsules := func(r *http.Request) { r.Header.Del("Capsule-Protocol") }
	tests := []struct {
		name, path, token string
		edit              func(*http.Request)
		wantStatus        int
		wantType          string
	}{
		{"no token", ok, "", nil, 407, "http_request_denied"},
		{"garbage token", ok, "slt1.x.y", nil, 407, "http_request_denied"},
		{"expired token", ok, e.token(t, func(c *lease.Claims) {
			c.IssuedAt, c.ExpiresAt = time.Now().Add(-2*time.Hour), time.Now().Add(-time.Hour)
		}), nil, 407, "http_request_denied"},
		{"no quic", ok, e.token(t, func(c *lease.Claims) { c.Protocols = []string{"wg"} }), nil, 403, "http_request_denied"},
		{"other loopback port", udpPath(other.LocalAddr().String()), good, nil, 403, "destination_ip_prohibited"},
		{"private range", udpPath("10.1.2.3:53"), good, nil, 403, "destination_ip_prohibited"},
		{"no trailing slash", strings.TrimSuffix(ok, "/"), good, nil, 400, "http_request_error"},
		{"port zero", udpPathPrefix + "127.0.0.1/0/", good, nil, 400, "http_request_error"},
		{"named port", udpPathPrefix + "127.0.0.1/domain/", good, nil, 400, "http_request_error"},
		{"extra segment", udpPathPrefix + "127.0.0.1/53/x/", good, nil, 400, "http_request_error"},
		{"no host", udpPathPrefix + "/53/", good, nil, 400, "http_request_error"},
		{"query", ok + "?x=1", good, nil, 400, "http_request_error"},
		{"bracketed ipv6", udpPathPrefix + "%5B%3A%3A1%5D/53/", good, nil, 400, "http_request_error"},
		{"zone", udpPathPrefix + "fe80%3A%3A1%25eth0/53/", good, nil, 400, "http_request_error"},
		{"other template", "/masque/udp/127.0.0.1/53/", good, nil, 400, "http_request_error"},
		{"no capsule protocol", ok, good, noCapsules, 400, "http_request_error"},
	}
	c := dialUDPExit(t, e.addr, e.key.Public(), true)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, rsp := c.requestUDP(t, tt.path, tt.token, tt.edit)
			checkRefusal(t, rsp, tt.wantStatus, tt.wantType)
		})
	}
	t.Run("datagrams off", func(t *testing.T) {
		plain := dialUDPExit(t, e.addr, e.key.Public(), false)
		_, rsp := plain.requestUDP(t, ok, good, nil)
		checkRefusal(t, rsp, 400, "http_request_error")
	})
	if n := o.received.Load(); n != 0 {
		t.Errorf("origin datagrams: got %d, want 0 for refused requests", n)
	}
	if n := e.exit.ActiveTunnels(); n != 0 {
		t.Errorf("ActiveTunnels: got %d, want 0 after refusals", n)
	}
}

func checkRefusal(t *testing.T, rsp *http.Response, wantStatus int, wantType string) {
	t.Helper()
	ps := rsp.Header.Get("Proxy-Status")
	if rsp.StatusCode != wantStatus {
		t.Errorf("status: got %d (%s), want %d", rsp.StatusCode, ps, wantStatus)
	}
	if want := proxyName + "; error=" + wantType + ";"; !strings.HasPrefix(ps, want) {
		t.Errorf("Proxy-Status: got %q, want prefix %q", ps, want)
	}
}

func TestConnectUDPIdleTimeout(t *testing.T) {
	checkGoroutines(t)
	const idle = 300 * time.Millisecond
	o := newUDPOrigin(t, true)
	e := newUDPEnv(t, o.addr(), idle)
	c := dialUDPExit(t, e.addr, e.key.Public(), true)
	str := c.connectUDP(t, o.addr(), e.token(t, nil))
	// Traffic for longer than the timeout keeps the flow open.
	var last time.Time // when the last datagram was sent: the exit saw it later
	for end := time.Now().Add(3 * idle); time.Now().Before(end); time.Sleep(idle / 4) {
		last = time.Now()
		if got := exchange(t, str, []byte("ping"), 5*time.Second); string(got) != "ping" {
			t.Fatalf("echo: got %q, want \"ping\"", got)
		}
	}
	select {
	case err := <-streamEnd(str):
		if err != nil {
			t.Errorf("stream end after idle timeout: got %v, want a clean end", err)
		}
	case <-time.After(10 * idle):
		t.Fatalf("flow still open %s after the last datagram, want it closed after %s", time.Since(last), idle)
	}
	if silent := time.Since(last); silent < idle {
		t.Errorf("flow closed after %s of silence, want at least %s", silent, idle)
	}
	waitFor(t, "flow to be untracked", func() bool { return e.exit.ActiveTunnels() == 0 })
}

func TestConnectUDPEndsWithExit(t *testing.T) {
	tests := []struct {
		name string
		end  func(t *testing.T, e *env) error
	}{
		{"close lease", func(t *testing.T, e *env) error {
			if n := e.exit.CloseLease(leaseOf(t)); n != 1 {
				return errors.New("CloseLease did not find the flow")
			}
			return nil
		}},
		{"close exit", func(_ *testing.T, e *env) error { return e.exit.Close() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGoroutines(t)
			o := newUDPOrigin(t, true)
			e := newUDPEnv(t, o.addr(), 0)
			c := dialUDPExit(t, e.addr, e.key.Public(), true)
			str := c.connectUDP(t, o.addr(), e.token(t, nil))
			exchange(t, str, []byte("hello"), 5*time.Second)
			if err := tt.end(t, e); err != nil {
				t.Fatal(err)
			}
			select {
			case <-streamEnd(str):
			case <-time.After(5 * time.Second):
				t.Fatal("stream still open 5s after the flow ended")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if _, err := str.ReceiveDatagram(ctx); err == nil || ctx.Err() != nil {
				t.Errorf("ReceiveDatagram after the flow ended: got %v, want the stream's error", err)
			}
			waitFor(t, "flow to end", func() bool { return e.exit.ActiveTunnels() == 0 })
		})
	}
}

// streamEnd reads str to its end in the background and reports how it
// ended: nil for a clean end.
func streamEnd(str io.Reader) <-chan error {
	done := make(chan error, 1)
	go func() { _, err := io.ReadAll(str); done <- err }()
	return done
}

func TestConnectUDPByteCap(t *testing.T) {
	checkGoroutines(t)
	o := newUDPOrigin(t, true)
	e := newUDPEnv(t, o.addr(), 0)
	const byteCap, size = 1000, 100
	tok := e.token(t, func(c *lease.Claims) { c.ByteCap = byteCap })
	c := dialUDPExit(t, e.addr, e.key.Public(), true)
	str := c.connectUDP(t, o.addr(), tok)
	for i := range byteCap / (2 * size) {
		if got := exchange(t, str, bytes.Repeat([]byte{byte(i)}, size), 5*time.Second); len(got) != size {
			t.Fatalf("echo %d: got %d bytes, want %d", i, len(got), size)
		}
	}
	if err := str.SendDatagram(append([]byte{0}, make([]byte, size)...)); err != nil {
		t.Fatalf("send past the cap: %v", err)
	}
	waitFor(t, "flow to end at the cap", func() bool { return e.exit.ActiveTunnels() == 0 })
	if got, want := e.meter.Lease(leaseOf(t)).Totals(), (meter.Totals{Up: byteCap / 2, Down: byteCap / 2}); got != want {
		t.Errorf("meter: got %+v, want %+v", got, want)
	}
	_, rsp := c.requestUDP(t, udpPath(o.addr()), tok, nil)
	checkRefusal(t, rsp, http.StatusForbidden, "http_request_denied")
}

func TestConnectUDPIgnoresOtherContexts(t *testing.T) {
	o := newUDPOrigin(t, true)
	e := newUDPEnv(t, o.addr(), 0)
	c := dialUDPExit(t, e.addr, e.key.Public(), true)
	str := c.connectUDP(t, o.addr(), e.token(t, nil))
	for _, d := range [][]byte{{1, 'x'}, {0x40, 0x02, 'y'}, {0x40}} { // contexts 1 and 2, a truncated ID
		if err := str.SendDatagram(d); err != nil {
			t.Fatalf("send % x: %v", d, err)
		}
	}
	if got := exchange(t, str, []byte("z"), 5*time.Second); string(got) != "z" {
		t.Fatalf("echo: got %q, want \"z\"", got)
	}
	str.CancelRead(0)
	str.Close()
	waitFor(t, "flow to end with its stream", func() bool { return e.exit.ActiveTunnels() == 0 })
	if got := o.received.Load(); got != 1 {
		t.Errorf("origin datagrams: got %d, want 1 (only context 0)", got)
	}
	if got := e.meter.Lease(leaseOf(t)).Totals(); got != (meter.Totals{Up: 1, Down: 1}) {
		t.Errorf("meter: got %+v, want Up=Down=1", got)
	}
}

// TestTCPAlongsideUDP checks that enabling datagrams leaves CONNECT for
// TCP working for clients with and without them, on one connection.
func TestTCPAlongsideUDP(t *testing.T) {
	tcp := newOrigin(t, true)
	e := newEnv(t, tcp)
	c := dialUDPExit(t, e.addr, e.key.Public(), true)
	str := c.connect(t, tcp.addr(), e.token(t, nil))
	if _, err := str.Write([]byte("tcp")); err != nil {
		t.Fatalf("write: %v", err)
	}
	buf := make([]byte, 3)
	if _, err := io.ReadFull(str, buf); err != nil || string(buf) != "tcp" {
		t.Errorf("echo: got %q, %v, want \"tcp\"", buf, err)
	}
}
