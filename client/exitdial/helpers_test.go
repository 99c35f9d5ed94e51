package exitdial

import (
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/relay/quicexit/quicexittest"
)

// origin is a TCP destination on loopback. It echoes, unless handoff is
// set, in which case accepted connections are handed to the test.
type origin struct {
	ln      net.Listener
	handoff chan net.Conn
	wg      sync.WaitGroup
}

func newOrigin(t *testing.T, handoff bool) *origin {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("origin listen: %v", err)
	}
	o := &origin{ln: ln}
	if handoff {
		o.handoff = make(chan net.Conn, 16)
	}
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
		if o.handoff != nil {
			o.handoff <- c
			continue
		}
		o.wg.Add(1)
		go func() {
			defer o.wg.Done()
			defer c.Close()
			_, _ = io.Copy(c, c)
		}()
	}
}

// exitOf describes a test exit to the dialer, with a fresh default token.
func exitOf(t *testing.T, s *quicexittest.Server) Exit {
	t.Helper()
	return Exit{NodeID: s.NodeID(), Addr: s.Addr, PublicKey: s.Key.Public(), Token: s.Token(t, nil)}
}

// newDialer returns a dialer closed when the test ends.
func newDialer(t *testing.T, e Exit) *Dialer {
	t.Helper()
	d := New(e, zaptest.NewLogger(t))
	t.Cleanup(func() { d.Close() })
	return d
}

// fastHandshake shortens the handshake timeout for the test, so that dead
// exits fail quickly.
func fastHandshake(t *testing.T) {
	t.Helper()
	old := handshakeTimeout
	handshakeTimeout = 500 * time.Millisecond
	t.Cleanup(func() { handshakeTimeout = old })
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

// echoRoundTrip writes msg through c and reads it back.
func echoRoundTrip(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatalf("write: %v", err)
	}
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatalf("read: %v", err)
	}
	if string(buf) != msg {
		t.Fatalf("echo: got %q, want %q", buf, msg)
	}
}
