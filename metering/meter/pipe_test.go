package meter

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// tcpPair returns both ends of a fresh TCP connection on loopback.
func tcpPair(tb testing.TB) (dialed, accepted *net.TCPConn) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("listen: %v", err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	s, err := ln.Accept()
	if err != nil {
		c.Close()
		tb.Fatalf("accept: %v", err)
	}
	tb.Cleanup(func() { c.Close(); s.Close() })
	for _, conn := range []net.Conn{c, s} {
		_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	}
	return c.(*net.TCPConn), s.(*net.TCPConn)
}

// piped is a Pipe running between two loopback connections: the test
// plays the buyer on buyer and the destination on dest.
type piped struct {
	buyer, dest *net.TCPConn
	counter     Counter
	done        chan error
}

func startPipe(tb testing.TB) *piped {
	tb.Helper()
	buyer, buyerSide := tcpPair(tb)
	destSide, dest := tcpPair(tb)
	p := &piped{buyer: buyer, dest: dest, done: make(chan error, 1)}
	go func() { p.done <- Pipe(buyerSide, destSide, &p.counter) }()
	return p
}

// wait returns Pipe's result, failing the test if it does not end.
func (p *piped) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-p.done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("Pipe did not return")
		return nil
	}
}

// payload returns n bytes that differ from those of another size.
func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31 + n)
	}
	return b
}

func TestPipeCountsBothWaysWithHalfClose(t *testing.T) {
	tests := []struct {
		name     string
		up, down int
	}{
		{"nothing", 0, 0},
		{"one byte up", 1, 0},
		{"one byte down", 0, 1},
		{"request and download", 517, 3<<20 + 5},
		{"upload and short answer", 1<<20 + 7, 13},
		{"buffer sized", 32 << 10, 32 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startPipe(t)
			gotAtDest := make(chan []byte, 1)
			go func() {
				// The destination answers only after the buyer's EOF, which
				// works only if Pipe half-closes rather than closes.
				got, _ := io.ReadAll(p.dest)
				gotAtDest <- got
				_, _ = p.dest.Write(payload(tt.down))
				_ = p.dest.CloseWrite()
			}()
			if _, err := p.buyer.Write(payload(tt.up)); err != nil {
				t.Fatalf("buyer write: %v", err)
			}
			if err := p.buyer.CloseWrite(); err != nil {
				t.Fatalf("buyer CloseWrite: %v", err)
			}
			gotAtBuyer, err := io.ReadAll(p.buyer)
			if err != nil {
				t.Fatalf("buyer read: %v", err)
			}
			if err := p.wait(t); err != nil {
				t.Fatalf("Pipe: got %v, want nil", err)
			}
			if got := <-gotAtDest; !bytes.Equal(got, payload(tt.up)) {
				t.Errorf("destination got %d bytes, want the %d sent", len(got), tt.up)
			}
			if !bytes.Equal(gotAtBuyer, payload(tt.down)) {
				t.Errorf("buyer got %d bytes, want the %d sent", len(gotAtBuyer), tt.down)
			}
			want := Totals{Up: int64(tt.up), Down: int64(tt.down)}
			if got := p.counter.Totals(); got != want {
				t.Errorf("counter: got %+v, want %+v", got, want)
			}
		})
	}
}
