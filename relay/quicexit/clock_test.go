package quicexit

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock for tests. In auto mode every timer fires at once
// and moves the time to its deadline, so a transfer that the exit shapes
// to several seconds runs in milliseconds while the clock shows the
// seconds it was shaped to. Otherwise timers wait for fireNext.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	auto   bool
	timers []*fakeTimer
}

type fakeTimer struct {
	at time.Time
	c  chan time.Time
}

var _ clock = (*fakeClock)(nil)

func newFakeClock(auto bool) *fakeClock {
	return &fakeClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), auto: auto}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Timer(d time.Duration) (<-chan time.Time, func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{at: c.now.Add(d), c: make(chan time.Time, 1)}
	if c.auto {
		if t.at.After(c.now) {
			c.now = t.at
		}
		t.c <- c.now
		return t.c, func() {}
	}
	c.timers = append(c.timers, t)
	return t.c, func() { c.remove(t) }
}

func (c *fakeClock) remove(t *fakeTimer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.timers = slices.DeleteFunc(c.timers, func(x *fakeTimer) bool { return x == t })
}

// pending is the number of timers waiting to fire.
func (c *fakeClock) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// fireNext moves the time to the earliest deadline and fires that timer.
func (c *fakeClock) fireNext(t *testing.T) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.timers) == 0 {
		t.Fatal("fireNext: no timer is waiting")
	}
	i := 0
	for j, x := range c.timers {
		if x.at.Before(c.timers[i].at) {
			i = j
		}
	}
	next := c.timers[i]
	c.timers = slices.Delete(c.timers, i, i+1)
	if next.at.After(c.now) {
		c.now = next.at
	}
	next.c <- c.now
}

// since is the fake time elapsed since start.
func (c *fakeClock) since(start time.Time) time.Duration { return c.Now().Sub(start) }
