package exitdial

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/sparelink/sparelink/client/exitdial/exitdialtest"
	"github.com/sparelink/sparelink/relay/quicexit/quicexittest"
)

// healthLog records the health changes a watched pool reports.
type healthLog struct {
	mu      sync.Mutex
	changes map[string][]bool
	dead    map[string]time.Time
}

func (h *healthLog) record(id string, healthy bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.changes[id] = append(h.changes[id], healthy)
	if !healthy {
		h.dead[id] = time.Now()
	}
}

func (h *healthLog) diedAt(id string) (time.Time, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	at, ok := h.dead[id]
	return at, ok
}

// watch runs the pool's health checks until the test ends.
func watch(t *testing.T, p *Pool) *healthLog {
	t.Helper()
	h := &healthLog{changes: map[string][]bool{}, dead: map[string]time.Time{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.Watch(ctx, HealthConfig{OnChange: h.record}) }()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

func TestWatchFindsDeadExit(t *testing.T) {
	fastHandshake(t)
	tests := []struct {
		name string
		// route returns the address to reach s by and the function that
		// kills it.
		route func(t *testing.T, s *quicexittest.Server) (string, func())
	}{
		{"exit shuts down", func(t *testing.T, s *quicexittest.Server) (string, func()) {
			return s.Addr, func() { s.Exit.Close() }
		}},
		{"path lost without a word", func(t *testing.T, s *quicexittest.Server) (string, func()) {
			p := exitdialtest.NewPath(t, s.Addr)
			return p.Addr, p.Cut
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := newOrigin(t, false)
			a, b := quicexittest.Start(t, o.addr()), quicexittest.Start(t, o.addr())
			ea := exitOf(t, a)
			var kill func()
			ea.Addr, kill = tt.route(t, a)
			p := newPool(t, ea, exitOf(t, b))
			h := watch(t, p)
			inflight, err := p.DialExit(context.Background(), a.NodeID(), "tcp", o.addr())
			if err != nil {
				t.Fatalf("DialExit before the loss: %v", err)
			}
			echoRoundTrip(t, inflight, "before")
			killed := time.Now()
			kill()
			eventually(t, 3*time.Second, "the dead exit to be reported", func() bool { _, ok := h.diedAt(a.NodeID()); return ok })
			at, _ := h.diedAt(a.NodeID())
			t.Logf("detected %v after the loss", at.Sub(killed).Round(time.Millisecond))
			checkAfterDeath(t, p, a, b, o)
			// The tunnel on the dead exit ends instead of hanging.
			_ = inflight.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, err := inflight.Read(make([]byte, 1)); err == nil || errors.Is(err, errTimeout) {
				t.Errorf("read on a tunnel through the dead exit: got %v, want it to fail", err)
			}
		})
	}
}

// errTimeout stands for a read deadline, which would mean the tunnel hung.
var errTimeout = context.DeadlineExceeded

// checkAfterDeath checks that a dead exit gets no new connections.
func checkAfterDeath(t *testing.T, p *Pool, a, b *quicexittest.Server, o *origin) {
	t.Helper()
	for i := range 4 {
		start := time.Now()
		c, err := p.DialContext(context.Background(), "tcp", o.addr())
		if err != nil {
			t.Fatalf("dial %d after the loss: %v", i, err)
		}
		if got := c.(*Conn).ExitNodeID(); got != b.NodeID() {
			t.Errorf("dial %d: got exit %s, want the live %s", i, got, b.NodeID())
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("dial %d took %v: the dead exit must be skipped, not tried", i, took)
		}
		c.Close()
	}
	_, err := p.DialExit(context.Background(), a.NodeID(), "tcp", o.addr())
	if !errors.Is(err, ErrExitUnavailable) {
		t.Errorf("DialExit to the dead exit: got %v, want ErrExitUnavailable", err)
	}
	if got := p.Healthy(); len(got) != 1 || got[0] != b.NodeID() {
		t.Errorf("Healthy: got %v, want only %s", got, b.NodeID())
	}
}

func TestDialExit(t *testing.T) {
	o := newOrigin(t, false)
	u := newUDPOrigin(t)
	a, b := quicexittest.Start(t, o.addr(), u.addr()), quicexittest.Start(t, o.addr(), u.addr())
	p := newPool(t, exitOf(t, a), exitOf(t, b))
	for i := range 3 {
		c, err := p.DialExit(context.Background(), b.NodeID(), "tcp", o.addr())
		if err != nil {
			t.Fatalf("DialExit %d: %v", i, err)
		}
		if got := c.(*Conn).ExitNodeID(); got != b.NodeID() {
			t.Errorf("DialExit %d: got exit %s, want %s", i, got, b.NodeID())
		}
		echoRoundTrip(t, c, "pinned")
		c.Close()
	}
	uc, err := p.DialExit(context.Background(), a.NodeID(), "udp", u.addr())
	if err != nil {
		t.Fatalf("DialExit udp: %v", err)
	}
	defer uc.Close()
	if got, want := ask(t, uc, "q"), answerPrefix+"q"; got != want {
		t.Errorf("udp answer: got %q, want %q", got, want)
	}
	if _, err := p.DialExit(context.Background(), "nd_unknown", "tcp", o.addr()); !errors.Is(err, ErrUnknownExit) || !errors.Is(err, ErrExitUnavailable) {
		t.Errorf("DialExit to an unknown exit: got %v, want ErrUnknownExit and ErrExitUnavailable", err)
	}
	c, err := p.DialContext(context.Background(), "udp", u.addr())
	if err != nil {
		t.Fatalf("DialContext udp: %v", err)
	}
	defer c.Close()
	if got, want := ask(t, c, "r"), answerPrefix+"r"; got != want {
		t.Errorf("udp answer through DialContext: got %q, want %q", got, want)
	}
}

// eventually polls cond every 10ms for up to limit.
func eventually(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
