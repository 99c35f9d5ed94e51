package gateway

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sparelink/sparelink/metering/meter"
	"go.uber.org/zap/zaptest"
)

// exitError is what an exit reports when it will not or cannot connect.
type exitError struct{ status string }

func (e *exitError) Error() string       { return "exit refused: " + e.status }
func (e *exitError) ProxyStatus() string { return e.status }

// testDialer stands in for the exit side with a real net.Dialer: it only
// reaches the loopback test origins it was told about, under the address
// a client asks for, and records every address exactly as it arrived.
type testDialer struct {
	mu     sync.Mutex
	routes map[string]string // asked address → 127.0.0.1 origin address
	fails  map[string]error  // asked address → error to return
	asked  []string
}

func newTestDialer() *testDialer {
	return &testDialer{routes: map[string]string{}, fails: map[string]error{}}
}

// route makes asked reach the loopback origin at addr.
func (d *testDialer) route(asked, addr string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.routes[asked] = addr
}

// fail makes dialing asked return err.
func (d *testDialer) fail(asked string, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.fails[asked] = err
}

func (d *testDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	d.mu.Lock()
	d.asked = append(d.asked, address)
	real, ok := d.routes[address]
	err := d.fails[address]
	d.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &exitError{status: "destination_ip_prohibited"}
	}
	if host, _, _ := net.SplitHostPort(real); host != "127.0.0.1" {
		return nil, errors.New("test dialer only reaches 127.0.0.1 origins")
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, real)
}

// askedFor reports whether address reached the dialer exactly as given.
func (d *testDialer) askedFor(address string) bool { return d.dials(address) > 0 }

// dials counts how often address was dialed.
func (d *testDialer) dials(address string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, a := range d.asked {
		if a == address {
			n++
		}
	}
	return n
}

// testGateway is a running gateway with both listeners on loopback.
type testGateway struct {
	*Gateway
	socks, http string
	counter     *meter.Counter
}

func startGateway(t testing.TB, cfg Config, d Dialer) *testGateway {
	t.Helper()
	if cfg.Counter == nil {
		cfg.Counter = new(meter.Counter)
	}
	g, err := New(cfg, d, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := g.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	sa, err := g.ListenSOCKS5("127.0.0.1:0")
	if err != nil {
		t.Fatalf("ListenSOCKS5: %v", err)
	}
	ha, err := g.ListenHTTP("127.0.0.1:0")
	if err != nil {
		t.Fatalf("ListenHTTP: %v", err)
	}
	return &testGateway{Gateway: g, socks: sa.String(), http: ha.String(), counter: cfg.Counter}
}

// countingListener counts the bytes an origin reads and writes.
type countingListener struct {
	net.Listener
	read, written atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, l: l}, nil
}

type countingConn struct {
	net.Conn
	l *countingListener
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.l.read.Add(int64(n))
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.l.written.Add(int64(n))
	return n, err
}

func listenLoopback(t testing.TB) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	return l
}

// startTCPOrigin serves every connection with handle until the test ends.
func startTCPOrigin(t testing.TB, handle func(net.Conn)) *countingListener {
	t.Helper()
	l := &countingListener{Listener: listenLoopback(t)}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() { _ = l.Close(); wg.Wait() })
	return l
}

// echo copies a connection back to itself, then half-closes.
func echo(c net.Conn) {
	_, _ = io.Copy(c, c)
	if tc, ok := c.(*countingConn).Conn.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}

// pattern returns n deterministic bytes.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}

// startHTTPOrigin serves /bytes?n=N (N pattern bytes), /upload (answers
// with the body length) and /headers (echoes what the origin received)
// behind a counting listener.
func startHTTPOrigin(t testing.TB, tls bool) (*httptest.Server, *countingListener) {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/bytes", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		_, _ = w.Write(pattern(n))
	})
	mux.HandleFunc("/upload", func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, strconv.FormatInt(n, 10))
	})
	mux.HandleFunc("/headers", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Seen-Host", r.Host)
		w.Header().Set("X-Seen-URI", r.RequestURI)
		_ = r.Header.Write(w)
	})
	srv := httptest.NewUnstartedServer(mux)
	cl := &countingListener{Listener: srv.Listener}
	srv.Listener = cl
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv, cl
}

// eventually polls cond until it holds or a few seconds pass.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// hostPort splits a listener address into its host and port.
func hostPort(t testing.TB, addr string) (string, string) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("split %q: %v", addr, err)
	}
	return h, p
}

func mustAtoi(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("atoi %q: %v", s, err)
	}
	return n
}

// isReset reports a connection reset, which is how a server that closes
// with unread input ends the exchange on Linux.
func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }
