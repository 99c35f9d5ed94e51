package gateway

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
)

func TestCloseLeavesNoGoroutines(t *testing.T) {
	echoOrigin := startTCPOrigin(t, echo)
	httpOrigin, _ := startHTTPOrigin(t, false)
	d := newTestDialer()
	d.route(echoOrigin.Addr().String(), echoOrigin.Addr().String())
	d.route(httpOrigin.Listener.Addr().String(), httpOrigin.Listener.Addr().String())
	before := runtime.NumGoroutine()

	g, err := New(Config{}, d, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	sa, err := g.ListenSOCKS5("127.0.0.1:0")
	if err != nil {
		t.Fatalf("ListenSOCKS5: %v", err)
	}
	ha, err := g.ListenHTTP("127.0.0.1:0")
	if err != nil {
		t.Fatalf("ListenHTTP: %v", err)
	}
	gw := &testGateway{Gateway: g, socks: sa.String(), http: ha.String()}
	var clients []net.Conn
	// A live SOCKS tunnel, a live CONNECT tunnel, a kept-alive forward
	// connection and a client stuck half way through a handshake.
	for _, proto := range []string{"socks5", "connect"} {
		c, r := tunnelVia(t, gw, proto, echoOrigin.Addr().String())
		roundTripEcho(t, c, r)
		clients = append(clients, c)
	}
	fwd, err := net.Dial("tcp", gw.http)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	clients = append(clients, fwd)
	fmt.Fprintf(fwd, "GET http://%s/bytes?n=10 HTTP/1.1\r\nHost: x\r\n\r\n", httpOrigin.Listener.Addr())
	if resp, err := http.ReadResponse(bufio.NewReader(fwd), nil); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("forward: %v %v", resp, err)
	}
	stuck, err := net.Dial("tcp", gw.socks)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	clients = append(clients, stuck)
	_, _ = stuck.Write([]byte{socksVersion})

	if err := g.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, c := range clients {
		_ = c.Close()
	}
	httpOrigin.CloseClientConnections()
	var now int
	deadline := time.Now().Add(5 * time.Second)
	for now = runtime.NumGoroutine(); now > before && time.Now().Before(deadline); now = runtime.NumGoroutine() {
		time.Sleep(20 * time.Millisecond)
	}
	if now > before {
		buf := make([]byte, 1<<20)
		t.Fatalf("goroutines after Close: got %d, want at most %d\n%s", now, before, buf[:runtime.Stack(buf, true)])
	}
}

func roundTripEcho(t *testing.T, c net.Conn, r io.Reader) {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatalf("write: %v", err)
	}
	got := make([]byte, 4)
	if _, err := io.ReadFull(r, got); err != nil || string(got) != "ping" {
		t.Fatalf("echo got %q, %v; want \"ping\"", got, err)
	}
}

func TestCloseIdempotent(t *testing.T) {
	g, err := New(Config{}, newTestDialer(), zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if _, err := g.ListenSOCKS5("127.0.0.1:0"); err != nil {
		t.Fatalf("ListenSOCKS5: %v", err)
	}
	for i := range 2 {
		if err := g.Close(); err != nil {
			t.Errorf("Close #%d: got %v, want nil", i+1, err)
		}
	}
	if _, err := g.ListenHTTP("127.0.0.1:0"); !errors.Is(err, ErrClosed) {
		t.Errorf("ListenHTTP after Close: got %v, want ErrClosed", err)
	}
}

func TestMaxConns(t *testing.T) {
	gw := startGateway(t, Config{MaxConns: 2}, newTestDialer())
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", gw.socks)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		t.Cleanup(func() { _ = c.Close() })
		held = append(held, c)
		// A full greeting and its answer prove the gateway admitted c.
		if _, err := c.Write([]byte{socksVersion, 1, methodNoAuth}); err != nil {
			t.Fatalf("write greeting: %v", err)
		}
		if _, err := io.ReadFull(c, make([]byte, 2)); err != nil {
			t.Fatalf("read method: %v", err)
		}
	}
	if got := exchange(t, gw.socks, nil); string(got) != string([]byte{socksVersion, methodNoneUsable}) {
		t.Errorf("SOCKS over the limit: got % x, want 05 ff", got)
	}
	resp := rawRequest(t, gw.http, "GET http://example.com/ HTTP/1.1\r\n\r\n")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(resp.Header.Get("Proxy-Status"), "error=connection_limit_reached") {
		t.Errorf("HTTP over the limit: got %d %q, want 503 with connection_limit_reached", resp.StatusCode, resp.Header.Get("Proxy-Status"))
	}
	_ = held[0].Close()
	eventually(t, "a slot to free up", func() bool {
		return string(greet(t, gw.socks)) == string([]byte{socksVersion, methodNoAuth})
	})
}

// greet sends a no-auth SOCKS5 greeting and returns the two-byte answer.
func greet(t *testing.T, addr string) []byte {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte{socksVersion, 1, methodNoAuth}); err != nil {
		return nil
	}
	got := make([]byte, 2)
	n, _ := io.ReadFull(c, got)
	return got[:n]
}

func TestHandshakeTimeout(t *testing.T) {
	gw := startGateway(t, Config{HandshakeTimeout: 200 * time.Millisecond}, newTestDialer())
	for _, addr := range []string{gw.socks, gw.http} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		t.Cleanup(func() { _ = c.Close() })
		_, _ = c.Write([]byte{socksVersion}) // a start, never finished
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		start := time.Now()
		_, err = io.ReadAll(c)
		if elapsed := time.Since(start); err != nil && !isReset(err) || elapsed > 3*time.Second {
			t.Errorf("%s: stalled client got %v after %v, want the gateway to hang up after about 200ms", addr, err, elapsed)
		}
	}
}
