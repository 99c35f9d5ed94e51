package capacity

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
)

func TestRecordProbe(t *testing.T) {
	tests := []struct {
		name             string
		cfg              Config
		up, down         int64
		wantUp, wantDown int64
		wantSpare        int64
	}{
		{"quiet line learns its size", Config{}, 5e6, 20e6, 5e6, 20e6, 4.5e6},
		{"configured capacity wins", Config{LinkUpBps: 2e6, LinkDownBps: 3e6}, 5e6, 20e6, 2e6, 3e6, 1.8e6},
		{"slow probe keeps the floor", Config{}, 1000, 1000, MinLinkBps, MinLinkBps, MinLinkBps * 9 / 10},
		{"zero leaves a direction alone", Config{}, 4e6, 0, 4e6, MinLinkBps, MinLinkBps * 9 / 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(tt.cfg, zaptest.NewLogger(t))
			s.RecordProbe(tt.up, tt.down)
			got := s.Snapshot()
			if got.LinkUpBps != tt.wantUp || got.LinkDownBps != tt.wantDown || got.SpareBps != tt.wantSpare {
				t.Errorf("got link %d/%d spare %d, want %d/%d spare %d",
					got.LinkUpBps, got.LinkDownBps, got.SpareBps, tt.wantUp, tt.wantDown, tt.wantSpare)
			}
		})
	}
}

func TestSampleUsesInjectedClock(t *testing.T) {
	fc := &fakeCounters{}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s := New(Config{
		LinkUpBps: 100e6, LinkDownBps: 100e6,
		Counters: fc.read,
		Now:      func() time.Time { return now },
	}, zaptest.NewLogger(t))
	ctx := context.Background()
	fc.set("eth0", 0, 0)
	if err := s.Sample(ctx); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Second)
	fc.set("eth0", 10e6, 4e6)
	if err := s.Sample(ctx); err != nil {
		t.Fatal(err)
	}
	got := s.Snapshot()
	if got.HouseholdUpBps != 5e6 || got.HouseholdDownBps != 2e6 || !got.At.Equal(now) {
		t.Errorf("got household %d/%d at %v, want 5000000/2000000 at %v",
			got.HouseholdUpBps, got.HouseholdDownBps, got.At, now)
	}
}

func TestDefaultInterval(t *testing.T) {
	s := New(Config{}, zaptest.NewLogger(t))
	if s.cfg.Interval != DefaultInterval {
		t.Errorf("got interval %v, want %v", s.cfg.Interval, DefaultInterval)
	}
}
