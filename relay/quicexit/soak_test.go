package quicexit

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go/http3"

	"github.com/sparelink/sparelink/internal/lease"
	"github.com/sparelink/sparelink/internal/soak"
)

// soakSession is one lease's tunnel in a soak.
type soakSession struct {
	lease string
	str   *http3.RequestStream
}

// openSessions opens n tunnels, each of its own lease limited to rate
// bytes per second, perConn of them on each client connection.
func openSessions(t *testing.T, e *env, n, perConn int, rate int64) []soakSession {
	t.Helper()
	out := make([]soakSession, 0, n)
	var c *client
	for i := range n {
		if i%perConn == 0 {
			c = dialExit(t, e.addr, e.key.Public())
		}
		id := fmt.Sprintf("ls_soak_%04d", i)
		tok := e.token(t, func(cl *lease.Claims) { cl.LeaseID, cl.RateBps = id, rate })
		out = append(out, soakSession{lease: id, str: c.connect(t, e.origin.addr(), tok)})
	}
	return out
}

// uploadAll makes every session send as fast as the exit lets it until end.
func uploadAll(ss []soakSession, end time.Time) *sync.WaitGroup {
	var wg sync.WaitGroup
	for _, s := range ss {
		wg.Go(func() {
			buf := make([]byte, 8<<10)
			_ = s.str.SetWriteDeadline(end)
			for time.Now().Before(end) {
				if _, err := s.str.Write(buf); err != nil {
					return
				}
			}
		})
	}
	return &wg
}

// upCounts reads each session's metered upload.
func upCounts(e *env, ss []soakSession) []int64 {
	out := make([]int64, len(ss))
	for i, s := range ss {
		out[i] = e.meter.Lease(s.lease).Totals().Up
	}
	return out
}

// TestSoakLeases runs many leases at once through one exit whose total
// rate is half of what they ask for: every lease must get a fair share of
// it within a tolerance, none may pass its own rate, a greedy lease must
// get Proxy-Status refusals rather than more tunnels, and goroutines,
// files and heap must return to their baseline. The short form runs 50
// leases for a few seconds; `make soak` runs 1,000 at 1 Mbit/s each.
func TestSoakLeases(t *testing.T) {
	wantBaseline(t)
	// The short form keeps each lease's share at ten or more of the
	// exit's 16 KiB grants over the window, so that the grain of the
	// shaping does not read as unfairness on a busy machine.
	n := soak.N(50, 1000)
	rate := int64(soak.N(64_000, 125_000)) // bytes per second per lease
	window := soak.Duration(5*time.Second, 60*time.Second)
	nodeCap := int64(n) * rate / 2
	e := newEnvWith(t, newOrigin(t, false), Options{MaxRateBps: nodeCap,
		MaxStreamsPerLease: 4, RetryAbove: -1}, systemClock{})
	ss := openSessions(t, e, n, 20, rate)

	// Each direction of each tunnel reserves up to a burst of the node's
	// tokens before it reads, idle or not; the window starts once that
	// first debt is paid.
	debt := time.Duration(float64(2*minBurst*n) / float64(nodeCap) * float64(time.Second))
	warm := time.Now().Add(debt + 500*time.Millisecond)
	end := warm.Add(window)
	writers := uploadAll(ss, end)
	refusals := greedy(t, e, 4, 8, end)
	time.Sleep(time.Until(warm))
	before := upCounts(e, ss)
	time.Sleep(time.Until(end))
	after := upCounts(e, ss)
	writers.Wait()

	got := make([]int64, len(ss))
	var total int64
	for i := range ss {
		got[i] = after[i] - before[i]
		total += got[i]
	}
	checkFairness(t, got, total, rate, window)
	if r := <-refusals; r != nil {
		t.Error(r)
	}
	t.Logf("%d leases over %v: %d bytes, %.0f B/s per lease on average (own rate %d, node cap %d)",
		n, window, total, float64(total)/float64(n)/window.Seconds(), rate, nodeCap)
}

// checkFairness wants every lease within a tolerance of the average, and
// none above its own rate (one second of burst allowed).
func checkFairness(t *testing.T, got []int64, total, rate int64, window time.Duration) {
	t.Helper()
	mean := float64(total) / float64(len(got))
	if mean == 0 {
		t.Fatalf("no lease carried a byte")
	}
	sorted := slices.Clone(got)
	slices.Sort(sorted)
	const tolerance = 0.5 // the slowest lease gets at least half the mean
	if lo := float64(sorted[0]); lo < tolerance*mean {
		t.Errorf("fairness: slowest lease got %d bytes, the mean is %.0f; want at least %.0f%% of it (lowest five: %v)",
			sorted[0], mean, 100*tolerance, sorted[:5])
	}
	limit := rate * int64(window/time.Second+1)
	if hi := sorted[len(sorted)-1]; hi > limit {
		t.Errorf("fairness: fastest lease got %d bytes in %v, want at most %d at its rate of %d B/s", hi, window, limit, rate)
	}
}

// greedy opens more tunnels for one lease than the exit allows (limit)
// and keeps asking for more until end; it sends on the returned channel
// an error when a refusal lacks its Proxy-Status or never came.
func greedy(t *testing.T, e *env, limit, asks int, end time.Time) <-chan error {
	t.Helper()
	c := dialExit(t, e.addr, e.key.Public())
	tok := e.token(t, func(cl *lease.Claims) { cl.LeaseID = "ls_soak_greedy" })
	out := make(chan error, 1)
	go func() { out <- askGreedily(c, e.origin.addr(), tok, limit, asks, end) }()
	return out
}

func askGreedily(c *client, target, tok string, limit, asks int, end time.Time) error {
	refused := 0
	for i := 0; i < asks && time.Now().Before(end); i++ {
		str, err := c.cc.OpenRequestStream(c.conn.Context())
		if err != nil {
			return fmt.Errorf("greedy lease: open stream %d: %w", i, err)
		}
		defer str.Close()
		req := &http.Request{Method: http.MethodConnect, Host: target, Header: http.Header{}}
		req.Header.Set("Proxy-Authorization", "Bearer "+tok)
		if err := str.SendRequestHeader(req); err != nil {
			return fmt.Errorf("greedy lease: request %d: %w", i, err)
		}
		rsp, err := str.ReadResponse()
		if err != nil {
			return fmt.Errorf("greedy lease: answer %d: %w", i, err)
		}
		if rsp.StatusCode == http.StatusOK {
			continue
		}
		if ps := rsp.Header.Get("Proxy-Status"); rsp.StatusCode != http.StatusTooManyRequests || !strings.Contains(ps, "connection_limit_reached") {
			return fmt.Errorf("greedy lease: refusal %d: got %d with Proxy-Status %q, want 429 connection_limit_reached", i, rsp.StatusCode, ps)
		}
		refused++
	}
	if want := asks - limit; refused != want {
		return fmt.Errorf("greedy lease: got %d refusals of %d asks, want %d (limit %d)", refused, asks, want, limit)
	}
	return nil
}
