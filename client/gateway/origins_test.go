package gateway

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

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
