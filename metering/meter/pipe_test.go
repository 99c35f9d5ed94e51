package meter

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"
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

func TestPipeReportsConnectionReset(t *testing.T) {
	tests := []struct {
		name  string
		reset func(p *piped) // resets one side; the other ends cleanly
		up    int
		down  int
	}{
		{"buyer resets", func(p *piped) {
			drainAndClose(p.dest)
			_, _ = p.buyer.Write(payload(100))
			waitCount(p, 100, 0)
			reset(p.buyer)
		}, 100, 0},
		{"destination resets", func(p *piped) {
			drainAndClose(p.buyer)
			_, _ = p.dest.Write(payload(200))
			waitCount(p, 0, 200)
			reset(p.dest)
		}, 0, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startPipe(t)
			tt.reset(p)
			err := p.wait(t)
			if !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("Pipe: got %v, want a connection reset", err)
			}
			want := Totals{Up: int64(tt.up), Down: int64(tt.down)}
			if got := p.counter.Totals(); got != want {
				t.Errorf("counter: got %+v, want %+v", got, want)
			}
		})
	}
}

func TestPipeErrorEndsOtherDirection(t *testing.T) {
	tests := []struct {
		name string
		idle func(p *piped) *net.TCPConn // the peer that stays open and silent
		fail func(p *piped)
	}{
		{"buyer resets, destination idle", func(p *piped) *net.TCPConn { return p.dest }, func(p *piped) { reset(p.buyer) }},
		{"destination resets, buyer idle", func(p *piped) *net.TCPConn { return p.buyer }, func(p *piped) { reset(p.dest) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startPipe(t)
			// The idle peer neither sends nor closes, even after its
			// read side sees EOF: only Pipe can end that direction.
			idle := tt.idle(p)
			tt.fail(p)
			select {
			case err := <-p.done:
				if !errors.Is(err, syscall.ECONNRESET) {
					t.Errorf("Pipe: got %v, want a connection reset", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Pipe still waits on the idle peer after the other side failed")
			}
			_ = idle.Close()
		})
	}
}

// drainAndClose reads c until EOF in the background, then closes it.
func drainAndClose(c *net.TCPConn) {
	go func() {
		_, _ = io.Copy(io.Discard, c)
		_ = c.Close()
	}()
}

// waitCount waits until p's counter shows up and down, so that the reset
// comes after the bytes were relayed.
func waitCount(p *piped, up, down int64) {
	deadline := time.Now().Add(10 * time.Second)
	for p.counter.Totals() != (Totals{Up: up, Down: down}) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
}

// reset closes c with an RST instead of a FIN.
func reset(c *net.TCPConn) {
	_ = c.SetLinger(0)
	_ = c.Close()
}

var errBroken = errors.New("broken stream")

// shortWriter accepts limit bytes, then fails.
type shortWriter struct {
	buf   bytes.Buffer
	limit int
}

func (w *shortWriter) Write(p []byte) (int, error) {
	n := min(len(p), w.limit-w.buf.Len())
	w.buf.Write(p[:n])
	if n < len(p) {
		return n, errBroken
	}
	return n, nil
}

// stream joins a reader and a writer into one io.ReadWriter that cannot
// half-close.
type stream struct {
	io.Reader
	io.Writer
}

func TestPipeStreamErrors(t *testing.T) {
	data := payload(70 << 10)
	tests := []struct {
		name         string
		buyer, dest  stream
		wantUp, down int64
	}{
		{
			name:   "buyer read fails after data",
			buyer:  stream{io.MultiReader(bytes.NewReader(data), iotest.ErrReader(errBroken)), io.Discard},
			dest:   stream{strings.NewReader("answer"), io.Discard},
			wantUp: int64(len(data)), down: 6,
		},
		{
			name:   "destination read fails",
			buyer:  stream{strings.NewReader("request"), io.Discard},
			dest:   stream{iotest.ErrReader(errBroken), io.Discard},
			wantUp: 7,
		},
		{
			name:   "destination write fails part way",
			buyer:  stream{bytes.NewReader(data), io.Discard},
			dest:   stream{strings.NewReader(""), &shortWriter{limit: 1000}},
			wantUp: 1000,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Counter
			err := Pipe(tt.buyer, tt.dest, &c)
			if !errors.Is(err, errBroken) {
				t.Fatalf("Pipe: got %v, want %v", err, errBroken)
			}
			if got, want := c.Totals(), (Totals{Up: tt.wantUp, Down: tt.down}); got != want {
				t.Errorf("counter: got %+v, want %+v", got, want)
			}
		})
	}
}

// BenchmarkPipe measures one direction of a Pipe between loopback TCP
// connections, 64 KiB per operation.
func BenchmarkPipe(b *testing.B) {
	const chunk = 64 << 10
	buyer, buyerSide := tcpPair(b)
	destSide, dest := tcpPair(b)
	for _, c := range []net.Conn{buyer, buyerSide, destSide, dest} {
		_ = c.SetDeadline(time.Time{})
	}
	var counter Counter
	done := make(chan error, 1)
	go func() { done <- Pipe(buyerSide, destSide, &counter) }()
	drained := make(chan int64, 1)
	go func() {
		n, _ := io.Copy(io.Discard, dest)
		_ = dest.CloseWrite()
		drained <- n
	}()
	buf := payload(chunk)
	b.SetBytes(chunk)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := buyer.Write(buf); err != nil {
			b.Fatalf("write: %v", err)
		}
	}
	_ = buyer.CloseWrite()
	n := <-drained
	b.StopTimer()
	if err := <-done; err != nil {
		b.Fatalf("Pipe: %v", err)
	}
	if want := int64(b.N) * chunk; n != want || counter.Totals().Up != want {
		b.Fatalf("relayed %d, counted %d, want %d", n, counter.Totals().Up, want)
	}
}
