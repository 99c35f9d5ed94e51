package yieldlab

import (
	"bufio"
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
)

// inProcess runs a role on loopback in this process, feeding its events
// to tl, and stops it at cleanup.
func inProcess(t *testing.T, tl *timeline, name, role string, a roleArgs) {
	t.Helper()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer pw.Close()
		if err := runRole(ctx, role, a, &emitter{w: pw}, zaptest.NewLogger(t)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}()
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			ev, err := parseEvent(sc.Text())
			if err != nil {
				t.Errorf("%s wrote a bad event: %v", name, err)
				continue
			}
			tl.add(name, ev)
		}
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// TestPacedSenders sends household traffic at a set rate over loopback
// and checks what the sink counted.
func TestPacedSenders(t *testing.T) {
	tests := []struct {
		name string
		bps  int64
	}{
		{"slow", 500_000},
		{"faster", 4_000_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := &timeline{}
			inProcess(t, tl, "sink", "sink", roleArgs{Listen: "127.0.0.1:0"})
			listen := waitEventT(t, tl, "sink", "listen")
			inProcess(t, tl, "household", "household", roleArgs{Target: listen.text, RateBps: tt.bps})
			started := waitEventT(t, tl, "household", "started")
			from := started.at.Add(300 * time.Millisecond)
			time.Sleep(time.Until(from.Add(1500 * time.Millisecond)))
			relay, household := tl.delivered(from, time.Now())
			if relay != 0 || household < tt.bps*8/10 || household > tt.bps*12/10 {
				t.Errorf("got relay %d household %d B/s at the sink, want 0 and %d ±20%%", relay, household, tt.bps)
			}
		})
	}
}

func waitEventT(t *testing.T, tl *timeline, src, kind string) event {
	t.Helper()
	var ev event
	ok := waitFor(context.Background(), 5*time.Second, func() bool {
		var found bool
		ev, found = tl.first(src, kind, time.Time{}, nil)
		return found
	})
	if !ok {
		t.Fatalf("no %s event from %s within 5s", kind, src)
	}
	return ev
}

func TestPacerFollowsRateChanges(t *testing.T) {
	tests := []struct {
		name       string
		start, set int64
	}{
		{"slowed down", 2_000_000, 200_000},
		{"sped up", 200_000, 2_000_000},
		{"unpaced", 200_000, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPacer(tt.start)
			p.setRate(tt.set)
			ctx := context.Background()
			_ = p.wait(ctx, chunkSize) // spend the initial burst
			begin := time.Now()
			var sent int
			for time.Since(begin) < 500*time.Millisecond {
				if err := p.wait(ctx, chunkSize); err != nil {
					t.Fatal(err)
				}
				sent += chunkSize
				if tt.set == 0 && sent > 1<<30 {
					break
				}
			}
			got := int64(float64(sent) / time.Since(begin).Seconds())
			if tt.set > 0 && (got < tt.set*7/10 || got > tt.set*13/10) {
				t.Errorf("got %d B/s after setRate(%d), want within 30%%", got, tt.set)
			}
			if tt.set == 0 && got < 100*tt.start {
				t.Errorf("got %d B/s unpaced, want far more than the old rate %d", got, tt.start)
			}
		})
	}
}

func TestPacerWaitEndsWithContext(t *testing.T) {
	p := newPacer(1) // one byte a second: a chunk takes hours
	_ = p.take(chunkSize)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := p.wait(ctx, chunkSize); err == nil {
		t.Error("got nil from wait on an expired context, want its error")
	}
}
