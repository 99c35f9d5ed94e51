package demo

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/sparelink/sparelink/metering/meter"
)

// Origin is the demo's destination: a plain HTTP server on loopback that
// serves and accepts bulk bytes and counts every byte on its TCP
// connections, so the demo can compare what the destination saw with what
// the exits metered.
type Origin struct {
	ln     net.Listener
	srv    *http.Server
	counts meter.Counter // Up: bytes the origin read; Down: bytes it wrote
	wg     sync.WaitGroup
}

// MaxOriginBytes bounds one download or upload.
const MaxOriginBytes = 1 << 30

// StartOrigin serves on 127.0.0.1 at a free port.
func StartOrigin() (*Origin, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("origin: %w", err)
	}
	o := &Origin{ln: ln}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /bytes/{n}", o.download)
	mux.HandleFunc("POST /upload", o.upload)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "Hello from the SpareLink demo origin. You reached me through an exit.")
	})
	o.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	o.wg.Add(1)
	go func() {
		defer o.wg.Done()
		_ = o.srv.Serve(countingListener{ln, &o.counts})
	}()
	return o, nil
}

// URL is the origin's base URL.
func (o *Origin) URL() string { return "http://" + o.ln.Addr().String() + "/" }

// Addr is the origin's TCP address.
func (o *Origin) Addr() string { return o.ln.Addr().String() }

// Totals are the bytes the origin read (Up) and wrote (Down) on its
// connections, headers included: the same payload an exit relays.
func (o *Origin) Totals() meter.Totals { return o.counts.Totals() }

// Close stops the server and waits for it.
func (o *Origin) Close() error {
	err := o.srv.Close()
	o.wg.Wait()
	return err
}

// Payload returns the deterministic content of a download of n bytes.
func Payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}

func (o *Origin) download(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 0 || n > MaxOriginBytes {
		http.Error(w, "size must be 0 to 1073741824 bytes", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(n))
	_, _ = w.Write(Payload(n))
}

// UploadResult is the origin's answer to an upload.
type UploadResult struct {
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

func (o *Origin) upload(w http.ResponseWriter, r *http.Request) {
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(r.Body, MaxOriginBytes+1))
	if err != nil || n > MaxOriginBytes {
		http.Error(w, "upload failed or too large", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(UploadResult{Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))})
}

type countingListener struct {
	net.Listener
	c *meter.Counter
}

func (l countingListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, c: l.c}, nil
}

type countingConn struct {
	net.Conn
	c *meter.Counter
}

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.c.AddUp(int64(n))
	return n, err
}

func (c *countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.c.AddDown(int64(n))
	return n, err
}
