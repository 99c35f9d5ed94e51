package yieldlab

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// timeline collects the helpers' events in arrival order.
type timeline struct {
	mu     sync.Mutex
	events []namedEvent
}

type namedEvent struct {
	src string
	event
}

func (tl *timeline) add(src string, ev event) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.events = append(tl.events, namedEvent{src, ev})
}

// first returns the earliest event of kind from src at or after from that
// satisfies ok (nil: any).
func (tl *timeline) first(src, kind string, from time.Time, ok func(event) bool) (event, bool) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	for _, ev := range tl.events {
		if ev.src == src && ev.kind == kind && !ev.at.Before(from) && (ok == nil || ok(ev.event)) {
			return ev.event, true
		}
	}
	return event{}, false
}

// latest returns the last event of kind from src at or before t.
func (tl *timeline) latest(src, kind string, t time.Time) (event, bool) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	var found event
	var ok bool
	for _, ev := range tl.events {
		if ev.src == src && ev.kind == kind && !ev.at.After(t) {
			found, ok = ev.event, true
		}
	}
	return found, ok
}

// allowed is the relay's allowed rate at t; zero before its first event.
func (tl *timeline) allowed(t time.Time) int64 {
	if ev, ok := tl.latest("relay", "allowed", t); ok {
		return max(rate(ev), 0)
	}
	return 0
}

// minAllowed is the lowest allowed rate in force between from and to.
func (tl *timeline) minAllowed(from, to time.Time) int64 {
	low := tl.allowed(from)
	tl.mu.Lock()
	defer tl.mu.Unlock()
	for _, ev := range tl.events {
		if ev.src == "relay" && ev.kind == "allowed" && ev.at.After(from) && !ev.at.After(to) {
			low = min(low, max(rate(ev.event), 0))
		}
	}
	return low
}

// rate is the value of an allowed event, or -1 if it has none.
func rate(ev event) int64 {
	if len(ev.vals) != 1 {
		return -1
	}
	return ev.vals[0]
}

// delivered is what reached the sink between from and to, in bytes per
// second, for the relay and the household.
func (tl *timeline) delivered(from, to time.Time) (relay, household int64) {
	a, okA := tl.latest("sink", "bytes", from)
	b, okB := tl.latest("sink", "bytes", to)
	if !okA || !okB || len(a.vals) != 2 || len(b.vals) != 2 || !b.at.After(a.at) {
		return 0, 0
	}
	secs := b.at.Sub(a.at).Seconds()
	return int64(float64(b.vals[0]-a.vals[0]) / secs), int64(float64(b.vals[1]-a.vals[1]) / secs)
}

// waitFor polls until ok holds, ctx ends or timeout passes.
func waitFor(ctx context.Context, timeout time.Duration, ok func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// format prints the controller's and sampler's events, and the sink's
// rates every second, relative to start, for people reading a failure.
func (tl *timeline) format(start time.Time) string {
	tl.mu.Lock()
	events := append([]namedEvent(nil), tl.events...)
	tl.mu.Unlock()
	var b strings.Builder
	var lastBytes *namedEvent
	for i := range events {
		ev := &events[i]
		rel := ev.at.Sub(start).Seconds()
		switch {
		case ev.kind == "bytes":
			if lastBytes != nil && ev.at.Sub(lastBytes.at) < time.Second {
				continue
			}
			if lastBytes != nil && len(ev.vals) == 2 && len(lastBytes.vals) == 2 {
				secs := ev.at.Sub(lastBytes.at).Seconds()
				fmt.Fprintf(&b, "%7.2fs sink      relay %6.2f MB/s  household %6.2f MB/s\n", rel,
					float64(ev.vals[0]-lastBytes.vals[0])/secs/1e6, float64(ev.vals[1]-lastBytes.vals[1])/secs/1e6)
			}
			lastBytes = ev
		default:
			fmt.Fprintf(&b, "%7.2fs %-9s %-8s %s\n", rel, ev.src, ev.kind, mbps(ev.vals))
		}
	}
	return b.String()
}

func mbps(vals []int64) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = fmt.Sprintf("%.2f", float64(v)/1e6)
	}
	return strings.Join(parts, " ")
}
