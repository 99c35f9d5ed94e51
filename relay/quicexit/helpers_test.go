package quicexit

import (
	"context"
	"crypto/ed25519"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/lease"
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/relay/egress"
)

// origin is a TCP destination on loopback: it echoes, or discards and
// answers one byte once the client has finished sending.
type origin struct {
	ln       net.Listener
	echo     bool
	accepted atomic.Int64
	wg       sync.WaitGroup
}

func newOrigin(t testing.TB, echo bool) *origin {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("origin listen: %v", err)
	}
	o := &origin{ln: ln, echo: echo}
	o.wg.Add(1)
	go o.serve()
	t.Cleanup(func() { ln.Close(); o.wg.Wait() })
	return o
}

func (o *origin) addr() string { return o.ln.Addr().String() }

func (o *origin) serve() {
	defer o.wg.Done()
	for {
		c, err := o.ln.Accept()
		if err != nil {
			return
		}
		o.accepted.Add(1)
		o.wg.Add(1)
		go func() {
			defer o.wg.Done()
			defer c.Close()
			if o.echo {
				_, _ = io.Copy(c, c)
				return
			}
			if _, err := io.Copy(io.Discard, c); err == nil {
				_, _ = c.Write([]byte{1})
			}
		}()
	}
}

// env is an exit with everything it needs, on loopback.
type env struct {
	exit     *Exit
	addr     string
	key      identity.Key
	signer   lease.Signer
	verifier *lease.Verifier
	meter    *meter.Meter
	origin   *origin
}

// newEnv starts an exit whose egress allows exactly the origin.
func newEnv(t testing.TB, o *origin) *env {
	t.Helper()
	return newEnvWith(t, o, Options{}, systemClock{})
}

// newEnvWith is newEnv with the operator's options and a clock for the
// exit's rates.
func newEnvWith(t testing.TB, o *origin, opts Options, clk clock) *env {
	t.Helper()
	log := zap.NewNop()
	if _, bench := t.(*testing.B); !bench {
		log = zaptest.NewLogger(t)
	}
	key, err := identity.Generate()
	if err != nil {
		t.Fatalf("node key: %v", err)
	}
	signer, err := lease.NewSigningKey()
	if err != nil {
		t.Fatalf("signing key: %v", err)
	}
	rule, err := egress.ParseRule(o.addr())
	if err != nil {
		t.Fatalf("egress rule: %v", err)
	}
	policy, err := egress.New(egress.Config{Allow: []egress.Rule{rule}}, log)
	if err != nil {
		t.Fatalf("egress policy: %v", err)
	}
	e := &env{key: key, signer: signer, meter: new(meter.Meter), origin: o}
	e.verifier = lease.NewVerifier(map[string]ed25519.PublicKey{signer.KeyID: signer.Public()}, nil)
	e.exit, err = newExit(Config{Key: key, Verifier: e.verifier, Egress: policy, Meter: e.meter, Options: opts}, log, clk)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { e.exit.Close() })
	addr, err := e.exit.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	e.addr = addr.String()
	return e
}

// token issues a token for this exit, edited by edit when not nil.
func (e *env) token(t testing.TB, edit func(*lease.Claims)) string {
	t.Helper()
	now := time.Now()
	c := lease.Claims{
		LeaseID: leaseOf(t), NodeID: e.key.NodeID(),
		Protocols: []string{"quic"}, IssuedAt: now, ExpiresAt: now.Add(time.Hour),
	}
	if edit != nil {
		edit(&c)
	}
	tok, err := e.signer.Issue(c)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	return tok
}

// leaseOf is the lease of the tokens env.token issues in t unless edited.
func leaseOf(t testing.TB) string {
	return "ls_" + strings.ReplaceAll(t.Name(), "/", "_")
}

// client is a plain HTTP/3 client connection, as any CONNECT client has.
type client struct {
	conn *quic.Conn
	cc   *http3.ClientConn
}

func dialExit(t testing.TB, addr string, pub ed25519.PublicKey) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := quic.DialAddr(ctx, addr, identity.PinnedTLSConfig(pub), nil)
	if err != nil {
		t.Fatalf("dial exit: %v", err)
	}
	t.Cleanup(func() { conn.CloseWithError(0, "") })
	return &client{conn: conn, cc: (&http3.Transport{}).NewClientConn(conn)}
}

// request sends one request and returns the stream and the answer.
func (c *client) request(t testing.TB, method, target, token string) (*http3.RequestStream, *http.Response) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	str, err := c.cc.OpenRequestStream(ctx)
	if err != nil {
		t.Fatalf("open stream: %v", err)
	}
	t.Cleanup(func() { str.CancelRead(0); str.Close() })
	req := &http.Request{Method: method, Host: target, URL: &url.URL{Host: target}, Header: http.Header{}}
	if method != http.MethodConnect {
		req.URL = &url.URL{Scheme: "https", Host: target, Path: "/"}
	}
	if token != "" {
		req.Header.Set("Proxy-Authorization", "Bearer "+token)
	}
	if err := str.SendRequestHeader(req); err != nil {
		t.Fatalf("send request: %v", err)
	}
	rsp, err := str.ReadResponse()
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	return str, rsp
}

// connect opens a tunnel and fails the test unless the exit accepts it.
func (c *client) connect(t testing.TB, target, token string) *http3.RequestStream {
	t.Helper()
	str, rsp := c.request(t, http.MethodConnect, target, token)
	if rsp.StatusCode != http.StatusOK {
		t.Fatalf("CONNECT %s: got status %d (%s), want 200", target, rsp.StatusCode, rsp.Header.Get("Proxy-Status"))
	}
	return str
}

// waitFor polls cond for up to 5s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkGoroutines fails the test if goroutines started during it are
// still running once its other cleanups have run. Call it first.
func checkGoroutines(t *testing.T) {
	t.Helper()
	base := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > base {
			buf := make([]byte, 1<<20)
			t.Errorf("goroutines: got %d, want at most %d\n%s", n, base, buf[:runtime.Stack(buf, true)])
		}
	})
}
