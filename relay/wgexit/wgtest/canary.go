package wgtest

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Canary is an HTTP server on a local address that counts every byte it reads
// and writes on its connections, so tests can compare the exit's meter
// with what really reached the destination. GET /bytes/N answers N bytes.
type Canary struct {
	Addr    string // "ip:port"
	URL     string // "http://ip:port"
	read    atomic.Int64
	written atomic.Int64
	conns   atomic.Int64
}

// StartCanary serves on 127.0.0.1 until the test ends.
func StartCanary(t testing.TB) *Canary {
	t.Helper()
	return StartCanaryOn(t, "127.0.0.1")
}

// StartCanaryOn serves on a free port of the local address host until
// the test ends.
func StartCanaryOn(t testing.TB, host string) *Canary {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatalf("wgtest: canary listen: %v", err)
	}
	c := &Canary{Addr: ln.Addr().String()}
	c.URL = "http://" + c.Addr
	srv := &http.Server{Handler: http.HandlerFunc(serveBytes)}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = srv.Serve(&countingListener{Listener: ln, c: c}) }()
	t.Cleanup(func() { _ = srv.Close(); wg.Wait() })
	return c
}

// Read, Written and Conns are the canary's totals so far.
func (c *Canary) Read() int64    { return c.read.Load() }
func (c *Canary) Written() int64 { return c.written.Load() }
func (c *Canary) Conns() int64   { return c.conns.Load() }

func serveBytes(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/bytes/"))
	if err != nil || n < 0 {
		http.Error(w, "want /bytes/N", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(n))
	chunk := []byte(strings.Repeat("x", 32<<10))
	for n > 0 {
		k, err := w.Write(chunk[:min(n, len(chunk))])
		if err != nil {
			return
		}
		n -= k
	}
}

type countingListener struct {
	net.Listener
	c *Canary
}

func (l *countingListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.c.conns.Add(1)
	return &countingConn{Conn: conn, c: l.c}, nil
}

type countingConn struct {
	net.Conn
	c *Canary
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.c.read.Add(int64(n))
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.c.written.Add(int64(n))
	return n, err
}
