package gateway

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"go.uber.org/zap"
)

// fuzzGateway is a gateway whose Dialer refuses everything with a status
// picked by the target, so parsed requests also exercise the error paths.
// It keeps the default handshake timeout: inputs end in a half-close, so
// only a bug makes the server wait, and short deadlines would misfire on
// a loaded machine.
func fuzzGateway(f *testing.F, cfg Config) *Gateway {
	f.Helper()
	d := newTestDialer()
	d.fail("refused.test:80", &exitError{status: "connection_refused"})
	d.fail("plain.test:80", errors.New("exit went away"))
	g, err := New(cfg, d, zap.NewNop())
	if err != nil {
		f.Fatalf("New: %v", err)
	}
	f.Cleanup(func() { _ = g.Close() })
	return g
}

// serveLimit is far beyond the handshake timeout: a server still running
// then is stuck.
const serveLimit = 3 * DefaultHandshakeTimeout

// halfClosedConn is the server end of a net.Pipe whose client sends n
// bytes and then half-closes: after n bytes every Read reports io.EOF,
// while writes still reach the client.
type halfClosedConn struct {
	net.Conn
	left int
}

func (c *halfClosedConn) Read(p []byte) (int, error) {
	if c.left == 0 {
		return 0, io.EOF
	}
	n, err := c.Conn.Read(p[:min(len(p), c.left)])
	c.left -= n
	return n, err
}

// serveInput feeds input to serve over net.Pipe, as a client that then
// half-closes, and returns everything the server wrote. It fails if serve
// does not end.
func serveInput(t *testing.T, serve func(net.Conn), input []byte) []byte {
	t.Helper()
	client, server := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer server.Close()
		serve(&halfClosedConn{Conn: server, left: len(input)})
	}()
	var out bytes.Buffer
	read := make(chan struct{})
	go func() {
		defer close(read)
		_, _ = io.Copy(&out, client)
	}()
	_, _ = client.Write(input)
	select {
	case <-done:
	case <-time.After(serveLimit):
		t.Fatalf("server still running %v after input %q", serveLimit, input)
	}
	_ = client.Close()
	<-read
	return out.Bytes()
}

func FuzzSOCKSHandshake(f *testing.F) {
	open := fuzzGateway(f, Config{})
	authed := fuzzGateway(f, Config{Username: "buyer", Password: "s3cret"})
	f.Add([]byte{5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, 0, 80})
	f.Add(append([]byte{5, 1, 0}, connectRequest(cmdConnect, "refused.test", 80)...))
	f.Add([]byte{5, 2, 0, 2, 1, 5, 'b', 'u', 'y', 'e', 'r', 6, 's', '3', 'c', 'r', 'e', 't', 5, 1, 0, 3, 0, 0, 80})
	f.Fuzz(func(t *testing.T, input []byte) {
		for _, g := range []*Gateway{open, authed} {
			out := serveInput(t, g.serveSOCKS, input)
			if len(out) > 0 && out[0] != socksVersion {
				t.Fatalf("reply starts with %#x, want %#x", out[0], socksVersion)
			}
			if len(out) > 2+2+10 {
				t.Fatalf("server wrote %d bytes for a failed handshake: % x", len(out), out)
			}
		}
	})
}

func FuzzHTTPProxyRequest(f *testing.F) {
	open := fuzzGateway(f, Config{})
	authed := fuzzGateway(f, Config{Username: "buyer", Password: "s3cret"})
	f.Add("CONNECT refused.test:80 HTTP/1.1\r\nHost: refused.test:80\r\n\r\n")
	f.Add("GET http://plain.test/ HTTP/1.1\r\nHost: plain.test\r\nProxy-Authorization: Basic YnV5ZXI6czNjcmV0\r\n\r\n")
	f.Add("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	f.Fuzz(func(t *testing.T, input string) {
		for _, g := range []*Gateway{open, authed} {
			out := serveInput(t, g.serveHTTP, []byte(input))
			if len(out) == 0 {
				continue
			}
			// Whatever the input, the answer must be well-formed HTTP.
			resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), nil)
			if err != nil {
				t.Fatalf("gateway answered %q: %v", out, err)
			}
			if resp.StatusCode != http.StatusContinue && resp.Header.Get("Proxy-Status") == "" {
				t.Fatalf("error response %d without Proxy-Status: %q", resp.StatusCode, out)
			}
		}
	})
}
