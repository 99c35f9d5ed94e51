package broker

import (
	"strconv"
	"testing"
	"time"
)

func TestLimiterBuckets(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	type step struct {
		at       time.Duration // since start
		key      string
		wantOK   bool
		wantWait time.Duration
	}
	tests := []struct {
		name  string
		rate  float64
		burst int
		steps []step
	}{
		{"burst then refusal", 2, 3, []step{
			{0, "a", true, 0}, {0, "a", true, 0}, {0, "a", true, 0},
			{0, "a", false, 500 * time.Millisecond},
			{0, "b", true, 0}, // keys have buckets of their own
		}},
		{"refills at the rate", 2, 1, []step{
			{0, "a", true, 0}, {0, "a", false, 500 * time.Millisecond},
			{250 * time.Millisecond, "a", false, 250 * time.Millisecond},
			{500 * time.Millisecond, "a", true, 0},
		}},
		{"never above the burst", 10, 2, []step{
			{time.Hour, "a", true, 0}, {time.Hour, "a", true, 0}, {time.Hour, "a", false, 100 * time.Millisecond},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := start
			l := newLimiter(tt.rate, tt.burst, func() time.Time { return now })
			for i, s := range tt.steps {
				now = start.Add(s.at)
				ok, wait := l.take(s.key)
				if ok != s.wantOK || wait != s.wantWait {
					t.Errorf("step %d (%s at %s): got ok %v, wait %s; want %v, %s", i, s.key, s.at, ok, wait, s.wantOK, s.wantWait)
				}
			}
		})
	}
}

func TestLimiterEvictsIdleBuckets(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	l := newLimiter(1, 1, func() time.Time { return now })
	for i := 0; i < maxBuckets; i++ {
		l.buckets[strconv.Itoa(i)] = &bucket{tokens: 1, at: now}
	}
	l.buckets["busy"] = &bucket{tokens: 0, at: now}
	l.take("newcomer")
	if got := len(l.buckets); got != 2 {
		t.Errorf("got %d buckets after eviction, want 2 (the busy key and the newcomer)", got)
	}
	if ok, _ := l.take("busy"); ok {
		t.Errorf("a busy key regained its tokens through eviction")
	}
}
