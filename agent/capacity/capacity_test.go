package capacity

import (
	"context"
	"sync"
	"testing"
	"time"

	psnet "github.com/shirou/gopsutil/v3/net"
	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/metering/meter"
)

// fakeCounters replays interface counters set by the test.
type fakeCounters struct {
	mu    sync.Mutex
	stats []psnet.IOCountersStat
}

func (f *fakeCounters) set(name string, sent, recv uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stats = []psnet.IOCountersStat{
		{Name: "lo", BytesSent: 1 << 40, BytesRecv: 1 << 40},
		{Name: name, BytesSent: sent, BytesRecv: recv},
	}
}

func (f *fakeCounters) read(context.Context) ([]psnet.IOCountersStat, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]psnet.IOCountersStat(nil), f.stats...), nil
}

func TestEstimate(t *testing.T) {
	tests := []struct {
		name                string
		cfg                 Config
		up, down, relay     int64
		wantSpare, wantHome int64
	}{
		{"idle known link", Config{LinkUpBps: 10e6, LinkDownBps: 50e6}, 0, 0, 0, 9e6, 0},
		{"household busy", Config{LinkUpBps: 10e6, LinkDownBps: 50e6}, 6e6, 1e6, 0, 3.6e6, 6e6},
		{"relay traffic is not household", Config{LinkUpBps: 10e6, LinkDownBps: 50e6}, 6e6, 6e6, 5e6, 8.1e6, 1e6},
		{"owner cap", Config{LinkUpBps: 10e6, LinkDownBps: 50e6, OwnerCapBps: 2e6}, 0, 0, 0, 2e6, 0},
		{"saturated", Config{LinkUpBps: 10e6, LinkDownBps: 50e6}, 12e6, 0, 0, 0, 12e6},
		{"unknown link uses floor", Config{}, 0, 0, 0, MinLinkBps * 9 / 10, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(tt.cfg, zaptest.NewLogger(t))
			s.mu.Lock()
			got := s.estimate(tt.up, tt.down, tt.relay, tt.relay, time.Now())
			s.mu.Unlock()
			if got.SpareBps != tt.wantSpare || got.HouseholdUpBps != tt.wantHome {
				t.Errorf("got spare %d household up %d, want %d %d", got.SpareBps, got.HouseholdUpBps, tt.wantSpare, tt.wantHome)
			}
		})
	}
}

func TestSampleSubtractsRelay(t *testing.T) {
	fc := &fakeCounters{}
	var relay meter.Counter
	s := New(Config{
		LinkUpBps: 100e6, LinkDownBps: 100e6,
		Counters: fc.read,
		Relay:    relay.Totals,
	}, zaptest.NewLogger(t))
	ctx := context.Background()
	fc.set("eth0", 0, 0)
	if err := s.Sample(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	// 30 MB went out and 20 MB came in; 10 MB of each was relay traffic
	// (buyers' uploads plus downloads).
	fc.set("eth0", 30e6, 20e6)
	relay.AddUp(5e6)
	relay.AddDown(5e6)
	if err := s.Sample(ctx); err != nil {
		t.Fatal(err)
	}
	snap := s.Snapshot()
	if snap.HouseholdUpBps <= 0 || snap.HouseholdUpBps >= 30e6/0.2 {
		t.Fatalf("household up %d out of range", snap.HouseholdUpBps)
	}
	// Household up is 20 MB of the 30 MB sent; down 10 MB of 20 MB.
	ratio := float64(snap.HouseholdDownBps) / float64(snap.HouseholdUpBps)
	if ratio < 0.45 || ratio > 0.55 {
		t.Errorf("got household down/up ratio %.2f, want 0.5", ratio)
	}
	if snap.SpareBps >= 100e6 {
		t.Errorf("got spare %d, want less than the link", snap.SpareBps)
	}
}

func TestSampleRealCounters(t *testing.T) {
	// Other tests may be busy on loopback: a line far faster than any of
	// them leaves spare capacity whatever they do.
	s := New(Config{Interfaces: []string{"lo"}, Interval: 50 * time.Millisecond, LinkUpBps: 1e12, LinkDownBps: 1e12}, zaptest.NewLogger(t))
	ctx := context.Background()
	for range 2 {
		if err := s.Sample(ctx); err != nil {
			t.Fatalf("Sample with gopsutil: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if snap := s.Snapshot(); snap.At.IsZero() || snap.SpareBps <= 0 {
		t.Errorf("got snapshot %+v, want a dated estimate with spare capacity", snap)
	}
}

func TestCounterReset(t *testing.T) {
	fc := &fakeCounters{}
	s := New(Config{LinkUpBps: 10e6, LinkDownBps: 10e6, Counters: fc.read}, zaptest.NewLogger(t))
	ctx := context.Background()
	fc.set("eth0", 1e9, 1e9)
	_ = s.Sample(ctx)
	before := s.Snapshot()
	fc.set("eth0", 0, 0) // interface went down and up
	_ = s.Sample(ctx)
	if got := s.Snapshot(); got != before {
		t.Errorf("counter reset changed the estimate: got %+v, want %+v", got, before)
	}
}
