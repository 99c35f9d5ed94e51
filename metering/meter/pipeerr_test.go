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
