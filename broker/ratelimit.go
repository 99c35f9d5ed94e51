package broker

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/sparelink/sparelink/broker/api"
)

// maxBuckets bounds the limiter's memory; past it, buckets of keys that
// have been idle long enough to be full again are dropped.
const maxBuckets = 100_000

// limiter is a token bucket per API key, in memory: each key may send
// burst requests at once and rate per second after that. Brokers that
// share a store keep a bucket each, so a key's real limit is the sum over
// the replicas it reaches.
type limiter struct {
	rate, burst float64
	now         func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was last brought up to date
}

func newLimiter(rate float64, burst int, now func() time.Time) *limiter {
	return &limiter{rate: rate, burst: float64(burst), now: now, buckets: make(map[string]*bucket)}
}

// take spends a token of key's bucket, or reports how long until one is
// there.
func (l *limiter) take(key string) (ok bool, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[key]
	if b == nil {
		l.evict(now)
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	if el := now.Sub(b.at).Seconds(); el > 0 {
		b.tokens = math.Min(l.burst, b.tokens+el*l.rate)
		b.at = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// evict drops full buckets when there are too many; a dropped key starts
// again with a full bucket, which is what it had anyway.
func (l *limiter) evict(now time.Time) {
	if len(l.buckets) < maxBuckets {
		return
	}
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
}

// limit answers 429 with Retry-After when p's key is over its rate.
func (b *Broker) limit(w http.ResponseWriter, p principal) error {
	if b.limits == nil {
		return nil
	}
	ok, wait := b.limits.take(p.KeyID)
	if ok {
		return nil
	}
	secs := int64(math.Ceil(wait.Seconds()))
	w.Header().Set(api.HeaderRetryAfter, strconv.FormatInt(max(secs, 1), 10))
	return newProblem(http.StatusTooManyRequests, api.CodeRateLimited,
		"this key sent more than %g requests per second; retry in %ds", b.limits.rate, max(secs, 1))
}
