package yield

import (
	"context"
	"sync"
	"testing"
	"time"

	psnet "github.com/shirou/gopsutil/v3/net"
	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/agent/capacity"
)

// line plays a home line's interface counters and the clock for a real
// capacity sampler: the test moves time and bytes forward and samples.
type line struct {
	mu         sync.Mutex
	now        time.Time
	sent, recv uint64
	sampler    *capacity.Sampler
}

func newLine(t *testing.T) *line {
	t.Helper()
	l := &line{now: t0}
	l.sampler = capacity.New(capacity.Config{
		LinkUpBps: lineBps, LinkDownBps: lineBps,
		Counters: l.counters,
		Now:      l.clock,
	}, zaptest.NewLogger(t).Named("capacity"))
	return l
}

func (l *line) counters(context.Context) ([]psnet.IOCountersStat, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return []psnet.IOCountersStat{{Name: "eth0", BytesSent: l.sent, BytesRecv: l.recv}}, nil
}

func (l *line) clock() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.now
}

// advance moves the clock by d while the household sends upBps, then
// takes a sample.
func (l *line) advance(t *testing.T, d time.Duration, upBps int64) {
	t.Helper()
	l.mu.Lock()
	l.now = l.now.Add(d)
	l.sent += uint64(float64(upBps) * d.Seconds())
	l.mu.Unlock()
	if err := l.sampler.Sample(context.Background()); err != nil {
		t.Fatalf("sample: %v", err)
	}
}

func TestStepFallsToFloorWhenSamplesStop(t *testing.T) {
	tests := []struct {
		name string
		wait time.Duration // after the last sample
		want int64
	}{
		{"fresh", DefaultStaleAfter, quietCap},
		{"stale", DefaultStaleAfter + time.Millisecond, floor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLine(t)
			c := newController(t, Config{Source: l.sampler, Now: l.clock})
			for range 22 {
				l.advance(t, 500*time.Millisecond, 0)
				c.Step()
			}
			l.mu.Lock()
			l.now = l.now.Add(tt.wait)
			l.mu.Unlock()
			if got := c.Step(); got != tt.want {
				t.Errorf("got allowed %d %v after the last sample, want %d", got, tt.wait, tt.want)
			}
		})
	}
}

func TestStepRestartsAfterStaleness(t *testing.T) {
	l := newLine(t)
	c := newController(t, Config{Source: l.sampler, Now: l.clock})
	for range 22 {
		l.advance(t, 500*time.Millisecond, 0)
		c.Step()
	}
	l.advance(t, 10*time.Second, 0) // the sampler stalled, then came back
	if got := c.Step(); got != floor {
		t.Fatalf("got allowed %d on the first sample after a stall, want the floor %d", got, floor)
	}
	l.advance(t, time.Second, 0)
	if got, want := c.Step(), int64(floor+perSec); got != want {
		t.Errorf("got allowed %d a quiet second later, want %d", got, want)
	}
}

// TestRunAppliesChanges drives Run with a real sampler: the relay climbs
// while the line is quiet, drops when the household starts uploading and
// every change reaches apply.
func TestRunAppliesChanges(t *testing.T) {
	l := newLine(t)
	c := newController(t, Config{Source: l.sampler, Now: l.clock, Poll: time.Millisecond})
	applied := make(chan int64, 64)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Run(ctx, func(bps int64) { applied <- bps })
	}()
	t.Cleanup(func() { cancel(); <-done })

	if got := next(t, applied); got != floor {
		t.Fatalf("got first applied rate %d, want the floor %d", got, floor)
	}
	l.advance(t, 500*time.Millisecond, 0) // the sampler's first reading
	l.advance(t, 500*time.Millisecond, 0) // the controller's first sample
	waitSeen(t, c, l.clock())
	l.advance(t, time.Second, 0)
	if got, want := next(t, applied), int64(floor+perSec); got != want {
		t.Fatalf("got %d after a quiet second, want %d", got, want)
	}
	l.advance(t, 500*time.Millisecond, 6*mb)
	if got, want := next(t, applied), int64((floor+perSec)/2); got != want {
		t.Fatalf("got %d after the household started, want %d", got, want)
	}
	c.SetCap(100 << 10)
	if got, want := next(t, applied), int64(100<<10); got != want {
		t.Errorf("got %d after SetCap, want %d", got, want)
	}
}

// waitSeen waits until c has taken the sample stamped at.
func waitSeen(t *testing.T, c *Controller, at time.Time) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		seen := c.havePrev && c.prev.At.Equal(at)
		c.mu.Unlock()
		if seen {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("controller did not take the sample of %v within 5s", at)
}

func next(t *testing.T, ch <-chan int64) int64 {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("apply was not called within 5s")
		return 0
	}
}
