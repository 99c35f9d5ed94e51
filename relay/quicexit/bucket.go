package quicexit

import (
	"math"
	"sync"
	"time"
)

// clock is the time source of the exit's token buckets. Tests inject a fake
// one so that waits are checked in simulated time, not by wall-clock
// assertions.
type clock interface {
	Now() time.Time
	// Timer returns a channel that fires after d and a function that
	// releases the timer.
	Timer(d time.Duration) (<-chan time.Time, func())
}

// systemClock is the real clock.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) Timer(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTimer(d)
	return t.C, func() { t.Stop() }
}

// bucket is a token bucket that lends: reserve always succeeds and returns
// how long the caller must wait before it may spend what it reserved, and
// the balance goes negative meanwhile. Callers are therefore served in the
// order they reserved, and nobody starves behind a stream of small
// requests. It is safe for concurrent use.
type bucket struct {
	mu     sync.Mutex
	rate   float64 // tokens per second, > 0
	burst  float64 // most tokens the bucket holds
	tokens float64 // may be negative: tokens lent to waiters
	last   time.Time
}

// newBucket returns a full bucket.
func newBucket(rate, burst float64, now time.Time) *bucket {
	return &bucket{rate: rate, burst: burst, tokens: burst, last: now}
}

// refill adds what accrued since the last call.
func (b *bucket) refill(now time.Time) {
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(b.burst, b.tokens+elapsed.Seconds()*b.rate)
		b.last = now
	}
}

// reserve takes n tokens and returns how long to wait before using them.
func (b *bucket) reserve(n int, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now)
	b.tokens -= float64(n)
	if b.tokens >= 0 {
		return 0
	}
	wait := -b.tokens / b.rate
	if wait >= math.MaxInt64/float64(time.Second) {
		return math.MaxInt64
	}
	return time.Duration(wait * float64(time.Second))
}

// refund returns n reserved tokens that were not used.
func (b *bucket) refund(n int, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now)
	b.tokens = min(b.burst, b.tokens+float64(n))
}

// allow takes one token if there is one, without lending.
func (b *bucket) allow(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// setRate changes the rate and burst; what accrued so far is kept.
func (b *bucket) setRate(rate, burst float64, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now)
	b.rate, b.burst = rate, burst
	b.tokens = min(b.tokens, burst)
}

// maxBurst returns the burst as a whole number of tokens.
func (b *bucket) maxBurst() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return int(min(b.burst, math.MaxInt32))
}
