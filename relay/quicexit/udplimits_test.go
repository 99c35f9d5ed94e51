package quicexit

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/sparelink/sparelink/internal/lease"
	"github.com/sparelink/sparelink/metering/meter"
)

// TestConnectUDPLeaseRate sends datagrams through flows of several rates
// on a clock that jumps over every wait, and reads the time the exit
// shaped the exchange to off the clock.
func TestConnectUDPLeaseRate(t *testing.T) {
	const count, size = 50, 1000
	const total = 2 * count * size // queries and their echoes
	tests := []struct {
		name  string
		rate  int64
		waits bool
	}{
		{"unlimited", 0, false},
		{"20 kB/s", 20_000, true},
		{"50 kB/s", 50_000, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock(true)
			o := newUDPOrigin(t, true)
			e := newUDPEnvWith(t, o.addr(), Config{}, clk)
			c := dialUDPExit(t, e.addr, e.key.Public(), true)
			str := c.connectUDP(t, o.addr(), e.token(t, func(cl *lease.Claims) { cl.RateBps = tt.rate }))
			start := clk.Now()
			for i := range count {
				q := bytes.Repeat([]byte{byte(i)}, size)
				if got := exchange(t, str, q, 5*time.Second); !bytes.Equal(got, q) {
					t.Fatalf("echo %d: got %d bytes, want the %d sent", i, len(got), size)
				}
			}
			took := clk.since(start)
			if tt.rate > 0 {
				least := time.Duration(float64(total-byteBurst(tt.rate)) / float64(tt.rate) * float64(time.Second))
				most := time.Duration(float64(total) / float64(tt.rate) * float64(time.Second))
				if took < least-time.Millisecond || took > most {
					t.Errorf("%d bytes at %d B/s took %v of shaped time, want %v to %v", total, tt.rate, took, least, most)
				}
			}
			if got := e.exit.Stats().ShapedWaits > 0; got != tt.waits {
				t.Errorf("limiter made datagrams wait: got %v, want %v", got, tt.waits)
			}
			str.CancelRead(0)
			str.Close()
			waitFor(t, "flow to end", func() bool { return e.exit.ActiveTunnels() == 0 })
			if got := e.meter.Lease(leaseOf(t)).Totals(); got != (meter.Totals{Up: total / 2, Down: total / 2}) {
				t.Errorf("meter: got %+v, want Up=Down=%d", got, total/2)
			}
		})
	}
}

func TestConnectUDPStreamLimit(t *testing.T) {
	o := newUDPOrigin(t, true)
	e := newUDPEnvWith(t, o.addr(), Config{Options: Options{MaxStreamsPerLease: 1}}, systemClock{})
	c := dialUDPExit(t, e.addr, e.key.Public(), true)
	tok := e.token(t, nil)
	first := c.connectUDP(t, o.addr(), tok)
	_, rsp := c.requestUDP(t, udpPath(o.addr()), tok, nil)
	checkRefusal(t, rsp, http.StatusTooManyRequests, "connection_limit_reached")
	if got := exchange(t, first, []byte("still"), 5*time.Second); string(got) != "still" {
		t.Errorf("first flow after the refusal: got %q, want \"still\"", got)
	}
	first.CancelRead(0)
	first.Close()
	waitFor(t, "first flow to end", func() bool { return e.exit.ActiveTunnels() == 0 })
	c.connectUDP(t, o.addr(), tok)
}
