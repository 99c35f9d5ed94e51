package quicexit

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go/http3"

	"github.com/sparelink/sparelink/internal/lease"
)

func TestStreamLimitPerLease(t *testing.T) {
	e := newEnvWith(t, newOrigin(t, true), Options{MaxStreamsPerLease: 2}, systemClock{})
	c := dialExit(t, e.addr, e.key.Public())
	other := dialExit(t, e.addr, e.key.Public())
	tok := e.token(t, nil)
	first := c.connect(t, e.origin.addr(), tok)
	c.connect(t, e.origin.addr(), tok)

	// A third stream of the lease is refused, from any connection.
	for i, cl := range []*client{c, other} {
		_, rsp := cl.request(t, http.MethodConnect, e.origin.addr(), tok)
		ps := rsp.Header.Get("Proxy-Status")
		if rsp.StatusCode != http.StatusTooManyRequests || !strings.Contains(ps, "error=connection_limit_reached") {
			t.Errorf("stream 3 on connection %d: got %d %q, want 429 with error=connection_limit_reached", i, rsp.StatusCode, ps)
		}
	}
	// Another lease is not affected.
	c.connect(t, e.origin.addr(), e.token(t, func(cl *lease.Claims) { cl.LeaseID = "ls_other" }))

	// Ending a tunnel frees its slot.
	first.CancelRead(0)
	first.Close()
	waitFor(t, "the first tunnel to end", func() bool { return e.exit.ActiveTunnels() == 2 })
	c.connect(t, e.origin.addr(), tok)
	if got := e.exit.Stats().RefusedStreams; got != 2 {
		t.Errorf("Stats.RefusedStreams: got %d, want 2", got)
	}
}

// TestNodeCapSharedAcrossLeases runs two unshaped leases at once through
// an exit capped at 1 MB/s: together they take as long as one lease moving
// both loads would.
func TestNodeCapSharedAcrossLeases(t *testing.T) {
	const each, capBps = 1_500_000, 1_000_000
	tests := []struct {
		name    string
		cap     int64
		atLeast time.Duration
	}{
		{"no cap", 0, 0},
		{"1 MB/s cap", capBps, 2500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock(true)
			e := newEnvWith(t, newOrigin(t, false), Options{MaxRateBps: tt.cap}, clk)
			c := dialExit(t, e.addr, e.key.Public())
			leases := []string{"ls_a", "ls_b"}
			strs := make([]*http3.RequestStream, len(leases))
			for i, id := range leases {
				strs[i] = c.connect(t, e.origin.addr(), e.token(t, func(cl *lease.Claims) { cl.LeaseID = id }))
			}
			start := clk.Now()
			var wg sync.WaitGroup
			for _, s := range strs {
				wg.Add(1)
				go func() { defer wg.Done(); upload(t, s, each) }()
			}
			wg.Wait()
			took := clk.since(start)
			t.Logf("two leases of %d bytes took %v of shaped time", each, took)
			if took < tt.atLeast {
				t.Errorf("transfers took %v of shaped time, want at least %v", took, tt.atLeast)
			}
			waitFor(t, "tunnels to close", func() bool { return e.exit.ActiveTunnels() == 0 })
			for _, id := range leases {
				if got := e.meter.Lease(id).Totals().Up; got != each {
					t.Errorf("lease %s: meter Up got %d, want %d", id, got, each)
				}
			}
		})
	}
}

// TestNodeCapTakesTurns checks that a lease with many streams gets no more
// of the node's rate than a lease with one: once the burst is spent,
// grants alternate between the two leases.
func TestNodeCapTakesTurns(t *testing.T) {
	clk := newFakeClock(false)
	e := &Exit{clock: clk}
	e.SetMaxRate(1_000_000)
	busy := &budget{lease: "ls_busy", turn: make(chan struct{}, 1)}
	quiet := &budget{lease: "ls_quiet", turn: make(chan struct{}, 1)}
	stop := make(chan struct{})
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	reader := func(b *budget) {
		defer wg.Done()
		for {
			g, err := e.acquire(b, maxGrant, stop, nil)
			if err != nil {
				return
			}
			mu.Lock()
			order = append(order, b.lease)
			mu.Unlock()
			e.release(g, g.n)
		}
	}
	for range 4 {
		wg.Add(1)
		go reader(busy)
	}
	wg.Add(1)
	go reader(quiet)
	const rounds = 40
	for range rounds {
		waitFor(t, "both leases to wait at the node", func() bool { return clk.pending() == 2 })
		mu.Lock()
		before := len(order)
		mu.Unlock()
		clk.fireNext(t)
		waitFor(t, "the grant", func() bool { mu.Lock(); defer mu.Unlock(); return len(order) > before })
	}
	close(stop)
	wg.Wait()
	timed := order[len(order)-rounds:]
	count := map[string]int{}
	for i, id := range timed {
		count[id]++
		if i > 0 && timed[i-1] == id {
			t.Errorf("grant %d went to %s twice in a row: %v", i, id, timed)
			break
		}
	}
	if count["ls_busy"] != rounds/2 || count["ls_quiet"] != rounds/2 {
		t.Errorf("timed grants: got %v, want %d each", count, rounds/2)
	}
}

func TestSetMaxRate(t *testing.T) {
	e := &Exit{clock: newFakeClock(true)}
	tests := []struct {
		name      string
		bps       int64
		wantBurst int // 0: no cap
	}{
		{"cap", 1_000_000, 100_000},
		{"raise", 10_000_000, 1_000_000},
		{"remove", 0, 0},
		{"negative removes", -5, 0},
		{"slow cap gets the least burst", 100_000, minBurst},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.SetMaxRate(tt.bps)
			b := e.nodeRate.Load()
			got := 0
			if b != nil {
				got = b.maxBurst()
			}
			if got != tt.wantBurst {
				t.Errorf("SetMaxRate(%d): got burst %d, want %d", tt.bps, got, tt.wantBurst)
			}
		})
	}
}
