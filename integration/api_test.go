package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// httpClient never uses a proxy from the environment: the test talks to
// the broker directly, as the README's curl commands do.
var httpClient = &http.Client{
	Timeout:   15 * time.Second,
	Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
}

// brokerAPI calls the broker's REST API with one API key.
type brokerAPI struct {
	base string // e.g. http://127.0.0.1:8400
	key  string
}

// as returns the same broker seen with another key.
func (b brokerAPI) as(key string) brokerAPI { return brokerAPI{base: b.base, key: key} }

// call sends body (a string is sent as is, anything else as JSON) and fails
// the test unless the answer has status want. out, if not nil, receives the
// decoded answer. hdr holds extra header name, value pairs.
func (b brokerAPI) call(t *testing.T, method, path string, body any, want int, out any, hdr ...string) {
	t.Helper()
	status, raw, err := b.send(context.Background(), method, path, body, hdr...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if status != want {
		t.Fatalf("%s %s: got status %d, want %d; body %s", method, path, status, want, raw)
	}
	if out == nil {
		return
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
	}
}

// send is call without the test: it returns the status and body.
func (b brokerAPI) send(ctx context.Context, method, path string, body any, hdr ...string) (int, []byte, error) {
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = bytes.NewReader([]byte(v))
	default:
		data, err := json.Marshal(v)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if b.key != "" {
		req.Header.Set("Authorization", "Bearer "+b.key)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, raw, err
}

// healthy checks GET /healthz.
func (b brokerAPI) healthy(ctx context.Context) error {
	status, raw, err := brokerAPI{base: b.base}.send(ctx, http.MethodGet, "/healthz", nil)
	if err != nil {
		return err
	}
	var h struct{ Status string }
	if status != http.StatusOK || json.Unmarshal(raw, &h) != nil || h.Status != "ok" {
		return fmt.Errorf("GET /healthz: status %d, body %s", status, raw)
	}
	return nil
}

// freeAddr returns a loopback TCP address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// listening reports whether something accepts TCP connections at addr.
func listening(ctx context.Context, addr string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return c.Close()
}

// get fetches path and decodes a 200 answer into out.
func (b brokerAPI) get(ctx context.Context, path string, out any) error {
	status, raw, err := b.send(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("GET %s: status %d, body %s", path, status, raw)
	}
	return json.Unmarshal(raw, out)
}
