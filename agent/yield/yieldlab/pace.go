package yieldlab

import (
	"context"
	"sync"
	"time"
)

// pacer is a token bucket in bytes per second whose rate may change while
// a sender waits on it; it is how the lab's relay obeys the controller,
// the way the exit's node-wide bucket does in the agent.
type pacer struct {
	mu     sync.Mutex
	rate   float64 // bytes per second; 0 means unpaced
	tokens float64
	last   time.Time
}

// pacerBurst is how much of its rate the pacer lets out at once: long
// enough that a sender delayed by a busy CPU catches up, short enough that
// a burst fits the shaped link's queue (100 ms of the link).
const pacerBurst = 50 * time.Millisecond

// maxPaceSleep bounds one sleep so that a new rate is picked up quickly.
const maxPaceSleep = 20 * time.Millisecond

func newPacer(bps int64) *pacer {
	return &pacer{rate: float64(bps), last: time.Now()}
}

// setRate changes the rate; zero or less removes pacing.
func (p *pacer) setRate(bps int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refill(time.Now())
	p.rate = float64(max(bps, 0))
}

func (p *pacer) refill(now time.Time) {
	burst := max(p.rate*pacerBurst.Seconds(), chunkSize)
	p.tokens = min(burst, p.tokens+now.Sub(p.last).Seconds()*p.rate)
	p.last = now
}

// wait blocks until n bytes may be sent or ctx is done.
func (p *pacer) wait(ctx context.Context, n int) error {
	for {
		d := p.take(n)
		if d == 0 {
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// take spends n tokens if it can and returns zero, or how long to sleep
// before trying again.
func (p *pacer) take(n int) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rate <= 0 {
		return 0
	}
	p.refill(time.Now())
	if p.tokens >= float64(n) {
		p.tokens -= float64(n)
		return 0
	}
	need := time.Duration((float64(n) - p.tokens) / p.rate * float64(time.Second))
	return max(min(need, maxPaceSleep), time.Millisecond)
}
