package quicexit

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quic-go/quic-go/http3"

	"github.com/sparelink/sparelink/internal/lease"
)

// upload sends n bytes through a tunnel to a discarding origin, ends its
// side and waits for the origin's one-byte answer.
func upload(t testing.TB, str *http3.RequestStream, n int) {
	t.Helper()
	buf := make([]byte, 64<<10)
	for left := n; left > 0; left -= min(left, len(buf)) {
		if _, err := str.Write(buf[:min(left, len(buf))]); err != nil {
			t.Errorf("upload: write: %v", err)
			return
		}
	}
	if err := str.Close(); err != nil {
		t.Errorf("upload: close: %v", err)
		return
	}
	if _, err := io.ReadFull(str, make([]byte, 1)); err != nil {
		t.Errorf("upload: read answer: %v", err)
	}
}

// TestLeaseRate moves 3 MB through leases of several rates on a clock that
// jumps over every wait, so the time the exit made the transfer take is
// read off the clock instead of measured.
func TestLeaseRate(t *testing.T) {
	const size = 3_000_000
	tests := []struct {
		name    string
		rate    int64
		atLeast time.Duration
		waits   bool
	}{
		{"unlimited", 0, 0, false},
		{"1 MB/s", 1_000_000, 2500 * time.Millisecond, true},
		{"4 MB/s", 4_000_000, 650 * time.Millisecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock(true)
			e := newEnvWith(t, newOrigin(t, false), Options{}, clk)
			c := dialExit(t, e.addr, e.key.Public())
			start := clk.Now()
			str := c.connect(t, e.origin.addr(), e.token(t, func(cl *lease.Claims) { cl.RateBps = tt.rate }))
			upload(t, str, size)
			took := clk.since(start)
			t.Logf("3 MB at %d B/s took %v of shaped time", tt.rate, took)
			if took < tt.atLeast {
				t.Errorf("transfer took %v of shaped time, want at least %v", took, tt.atLeast)
			}
			if tt.rate > 0 {
				// Not more than the rate allows plus one burst of slack
				// for grants that reads did not fill.
				if most := time.Duration(float64(size+2*maxGrant) / float64(tt.rate) * float64(time.Second)); took > most {
					t.Errorf("transfer took %v of shaped time, want at most %v", took, most)
				}
			}
			if got := e.exit.Stats().ShapedWaits > 0; got != tt.waits {
				t.Errorf("limiter made reads wait: got %v, want %v", got, tt.waits)
			}
			waitFor(t, "tunnel to close", func() bool { return e.exit.ActiveTunnels() == 0 })
			if got := e.meter.Lease(leaseOf(t)).Totals().Up; got != size {
				t.Errorf("meter Up: got %d, want %d", got, size)
			}
		})
	}
}

// countingOrigin discards what it receives, counting it, and answers one
// byte when the sender is done.
type countingOrigin struct {
	*origin
	received atomic.Int64
}

func newCountingOrigin(t *testing.T) *countingOrigin {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := &countingOrigin{origin: &origin{ln: ln}}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				if _, err := io.Copy(countWriter{&o.received}, c); err == nil {
					_, _ = c.Write([]byte{1})
				}
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return o
}

type countWriter struct{ n *atomic.Int64 }

func (w countWriter) Write(p []byte) (int, error) { w.n.Add(int64(len(p))); return len(p), nil }

// TestLeaseRateWindow checks on the real clock that what reaches the
// destination never runs ahead of the lease's rate plus one burst, sampling
// the count while a transfer runs.
func TestLeaseRateWindow(t *testing.T) {
	checkGoroutines(t)
	const rate, size = 2_000_000, 1_200_000
	o := newCountingOrigin(t)
	e := newEnv(t, o.origin)
	c := dialExit(t, e.addr, e.key.Public())
	start := time.Now()
	str := c.connect(t, o.addr(), e.token(t, func(cl *lease.Claims) { cl.RateBps = rate }))
	done := make(chan struct{})
	go func() { defer close(done); upload(t, str, size) }()
	samples := 0
	for tick := time.NewTicker(10 * time.Millisecond); ; {
		got := o.received.Load()
		allowed := int64(byteBurst(rate) + rate*time.Since(start).Seconds())
		if got > allowed {
			t.Fatalf("after %v the destination had %d bytes, want at most %d", time.Since(start), got, allowed)
		}
		samples++
		select {
		case <-done:
			tick.Stop()
			if samples < 5 || o.received.Load() != size {
				t.Errorf("got %d samples and %d bytes, want at least 5 samples and %d bytes", samples, o.received.Load(), size)
			}
			return
		case <-tick.C:
		}
	}
}

// TestShapedTunnelEnds checks that tunnels waiting for their rate end at
// once when their lease is closed or the exit shuts down.
func TestShapedTunnelEnds(t *testing.T) {
	tests := []struct {
		name string
		end  func(t *testing.T, e *env)
	}{
		{"CloseLease", func(t *testing.T, e *env) { e.exit.CloseLease(leaseOf(t)) }},
		{"Close", func(_ *testing.T, e *env) { e.exit.Close() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGoroutines(t)
			e := newEnv(t, newOrigin(t, false))
			c := dialExit(t, e.addr, e.key.Public())
			// 1 KB/s: the second read of the tunnel would wait for seconds.
			str := c.connect(t, e.origin.addr(), e.token(t, func(cl *lease.Claims) { cl.RateBps = 1000 }))
			// The write ends with the tunnel (or earlier, if flow control
			// takes it all); the stream must not be closed before, as
			// quic-go's Close may not race a Write.
			wrote := make(chan struct{})
			go func() { defer close(wrote); _, _ = str.Write(make([]byte, 1<<20)) }()
			waitFor(t, "a read to wait for the rate", func() bool { return e.exit.Stats().ShapedWaits > 0 })
			tt.end(t, e)
			waitFor(t, "the tunnel to end", func() bool { return e.exit.ActiveTunnels() == 0 })
			select {
			case <-wrote:
			case <-time.After(5 * time.Second):
				t.Fatal("the buyer's write still blocks 5s after the tunnel ended")
			}
		})
	}
}
