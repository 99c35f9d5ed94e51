package quicexit

import (
	"math"
	"testing"
	"time"
)

// bucketStep is one operation on a bucket and what it must return.
type bucketStep struct {
	op       string // reserve, refund, allow, advance, rate
	n        int
	d        time.Duration // advance by, or the wait reserve must return
	want     bool          // what allow must return
	rate, bu float64       // for rate
}

func TestBucket(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name        string
		rate, burst float64
		steps       []bucketStep
	}{
		{"burst at once, then waits", 1000, 500, []bucketStep{
			{op: "reserve", n: 500, d: 0}, {op: "reserve", n: 100, d: 100 * ms},
		}},
		{"waiters queue in order", 1000, 500, []bucketStep{
			{op: "reserve", n: 500, d: 0}, {op: "reserve", n: 500, d: 500 * ms}, {op: "reserve", n: 500, d: 1000 * ms},
		}},
		{"refills while idle", 1000, 500, []bucketStep{
			{op: "reserve", n: 500}, {op: "advance", d: 250 * ms}, {op: "reserve", n: 250, d: 0}, {op: "reserve", n: 1, d: ms},
		}},
		{"refill stops at burst", 1000, 500, []bucketStep{
			{op: "advance", d: 10 * time.Second}, {op: "reserve", n: 600, d: 100 * ms},
		}},
		{"refund shortens the queue", 1000, 500, []bucketStep{
			{op: "reserve", n: 500}, {op: "reserve", n: 500, d: 500 * ms}, {op: "refund", n: 500}, {op: "reserve", n: 500, d: 500 * ms},
		}},
		{"refund stops at burst", 1000, 500, []bucketStep{
			{op: "refund", n: 5000}, {op: "reserve", n: 600, d: 100 * ms},
		}},
		{"allow takes whole tokens", 2, 2, []bucketStep{
			{op: "allow", want: true}, {op: "allow", want: true}, {op: "allow", want: false},
			{op: "advance", d: 400 * ms}, {op: "allow", want: false}, {op: "advance", d: 100 * ms}, {op: "allow", want: true},
		}},
		{"new rate applies to the debt", 1000, 500, []bucketStep{
			{op: "reserve", n: 1500, d: time.Second}, {op: "rate", rate: 2000, bu: 500}, {op: "reserve", n: 1000, d: time.Second},
		}},
		{"smaller burst drops tokens", 1000, 500, []bucketStep{
			{op: "rate", rate: 1000, bu: 100}, {op: "reserve", n: 200, d: 100 * ms},
		}},
		{"huge debt does not overflow", 1e-9, 1, []bucketStep{
			{op: "reserve", n: math.MaxInt32, d: math.MaxInt64},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
			b := newBucket(tt.rate, tt.burst, now)
			for i, s := range tt.steps {
				runBucketStep(t, b, &now, i, s)
			}
		})
	}
}

func runBucketStep(t *testing.T, b *bucket, now *time.Time, i int, s bucketStep) {
	t.Helper()
	switch s.op {
	case "reserve":
		if got := b.reserve(s.n, *now); got != s.d {
			t.Errorf("step %d: reserve(%d): got wait %v, want %v", i, s.n, got, s.d)
		}
	case "refund":
		b.refund(s.n, *now)
	case "allow":
		if got := b.allow(*now); got != s.want {
			t.Errorf("step %d: allow: got %v, want %v", i, got, s.want)
		}
	case "advance":
		*now = now.Add(s.d)
	case "rate":
		b.setRate(s.rate, s.bu, *now)
	default:
		t.Fatalf("step %d: unknown op %q", i, s.op)
	}
}

func TestByteBurst(t *testing.T) {
	tests := []struct {
		name string
		rate int64
		want float64
	}{
		{"slow lease gets the minimum", 1000, minBurst},
		{"1 MB/s gets 100 ms", 1_000_000, 100_000},
		{"1 Gbit/s gets 100 ms", 125_000_000, 12_500_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := byteBurst(tt.rate); got != tt.want {
				t.Errorf("byteBurst(%d): got %v, want %v", tt.rate, got, tt.want)
			}
		})
	}
}
