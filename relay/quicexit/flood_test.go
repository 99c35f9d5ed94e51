package quicexit

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/soak"
)

// deafConn sends like a UDP socket but never receives: a flooder behind
// a spoofed source address, which never sees the exit's answers and so
// can never answer a Retry.
type deafConn struct {
	net.PacketConn
	closed chan struct{}
	once   sync.Once
}

func (d *deafConn) ReadFrom([]byte) (int, net.Addr, error) {
	<-d.closed
	return 0, nil, net.ErrClosed
}

func (d *deafConn) Close() error {
	d.once.Do(func() { close(d.closed) })
	return d.PacketConn.Close()
}

// flood starts n deaf handshakes against addr, each retransmitting its
// Initial until its handshake times out, and returns once all have given
// up.
func flood(t *testing.T, addr string, pub []byte, n int, timeout time.Duration) *sync.WaitGroup {
	t.Helper()
	var wg sync.WaitGroup
	for range n {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("flooder socket: %v", err)
		}
		deaf := &deafConn{PacketConn: pc, closed: make(chan struct{})}
		tr := &quic.Transport{Conn: deaf}
		wg.Go(func() {
			defer tr.Close()
			// The transport only sets a read deadline on a socket it did
			// not create; a deaf one must be closed first to let it stop.
			defer deaf.Close()
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			udp, err := net.ResolveUDPAddr("udp", addr)
			if err != nil {
				return
			}
			conn, err := tr.Dial(ctx, udp, identity.PinnedTLSConfig(pub), &quic.Config{HandshakeIdleTimeout: timeout})
			if err == nil { // cannot happen: the flooder hears nothing
				conn.CloseWithError(0, "")
			}
		})
	}
	return &wg
}

// TestFloodRetry floods the exit with handshakes from sources that never
// answer (as spoofed ones cannot) at far more than its handshake rate:
// the exit must answer them with stateless Retries, and a real client
// must still connect and get its tunnel while the flood goes on.
func TestFloodRetry(t *testing.T) {
	tests := []struct {
		name       string
		retryAbove float64
		flooders   int
		// validated: the real client must have proven its address. Above
		// a rate, the bucket still admits that rate without a Retry, so
		// the client may or may not have been asked.
		validated bool
	}{
		{"flood above the rate", 20, soak.N(150, 2000), false},
		{"retry always", -1, soak.N(50, 500), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Flooders' sockets are wrapped, so quic-go cannot tune them;
			// it would say so on stderr.
			t.Setenv("QUIC_GO_DISABLE_RECEIVE_BUFFER_WARNING", "true")
			checkGoroutines(t)
			e := newEnvWith(t, newOrigin(t, true), Options{RetryAbove: tc.retryAbove}, systemClock{})
			fl := flood(t, e.addr, e.key.Public(), tc.flooders, 2*time.Second)
			waitFor(t, "the exit to send Retries", func() bool { return e.exit.Stats().Retries >= int64(tc.flooders)/2 })

			start := time.Now()
			c := dialExit(t, e.addr, e.key.Public())
			str := c.connect(t, e.origin.addr(), e.token(t, nil))
			echo(t, str, "through the flood")
			t.Logf("legitimate client through %d flooders in %v; exit stats %+v", tc.flooders, time.Since(start), e.exit.Stats())
			fl.Wait()
			if st := e.exit.Stats(); tc.validated && st.ValidatedHandshakes < 1 {
				t.Errorf("Stats.ValidatedHandshakes: got %d, want the real client's (at least 1)", st.ValidatedHandshakes)
			}
		})
	}
}

// echo sends msg through a tunnel to the echo origin and wants it back.
func echo(t *testing.T, str io.ReadWriter, msg string) {
	t.Helper()
	if _, err := str.Write([]byte(msg)); err != nil {
		t.Fatalf("write: %v", err)
	}
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(str, buf); err != nil || string(buf) != msg {
		t.Fatalf("echo: got %q, %v; want %q", buf, err, msg)
	}
}
