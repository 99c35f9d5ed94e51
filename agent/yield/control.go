package yield

import (
	"math"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/agent/capacity"
)

// Allowed is the relay's allowed rate in bytes per second, over all leases
// and both directions. It is never below the floor.
func (c *Controller) Allowed() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.allowed
}

// SetCap changes the owner's cap; zero or less removes it. A lower cap
// takes effect at once, a higher one through the usual gradual increase.
func (c *Controller) SetCap(bps int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.capBps = max(bps, 0)
	if c.capBps > 0 {
		c.allowed = max(min(c.allowed, c.capBps), c.cfg.FloorBps)
	}
}

// Observe takes one sample and returns the new allowed rate. Samples not
// newer than the last one are ignored, so it may be called with the same
// snapshot many times.
func (c *Controller) Observe(s capacity.Snapshot) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.observe(s)
	return c.allowed
}

func (c *Controller) observe(s capacity.Snapshot) {
	if s.At.IsZero() || (c.havePrev && !s.At.After(c.prev.At)) {
		return
	}
	prev := c.prev
	fresh := c.havePrev && !c.stale && s.At.Sub(prev.At) <= c.cfg.StaleAfter
	if c.havePrev && !fresh {
		c.allowed = c.cfg.FloorBps
	}
	if c.stale {
		c.log.Info("capacity samples are fresh again")
		c.stale = false
	}
	c.prev, c.havePrev = s, true
	switch {
	case !fresh:
		// First sample, or first after a gap (when the relay fell to the
		// floor): nothing to compare with.
	case c.rising(prev, s):
		c.allowed -= c.allowed * c.cfg.DecreasePct / 100
	default:
		dt := min(s.At.Sub(prev.At), maxStep)
		step := pct(linkOf(s), c.cfg.IncreasePct)
		c.allowed += int64(float64(step) * dt.Seconds())
	}
	c.allowed = c.clamp(c.allowed, s)
}

// markStale drops the relay to the floor when the latest sample is older
// than StaleAfter: without fresh counters the household cannot be seen.
// The caller holds mu.
func (c *Controller) markStale(now time.Time) {
	age := now.Sub(c.prev.At)
	if !c.havePrev || c.stale || age <= c.cfg.StaleAfter {
		return
	}
	c.log.Warn("no fresh capacity sample: relay falls to its floor", zap.Duration("age", age))
	c.stale = true
	c.allowed = c.cfg.FloorBps
}

// Ceiling is the most the relay may get given sample s:
// min(cap, link − household − headroom) in the tighter direction, and at
// least the floor.
func (c *Controller) Ceiling(s capacity.Snapshot) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.clamp(math.MaxInt64, s)
}

func (c *Controller) clamp(rate int64, s capacity.Snapshot) int64 {
	free := min(
		s.LinkUpBps-s.HouseholdUpBps-pct(s.LinkUpBps, c.cfg.HeadroomPct),
		s.LinkDownBps-s.HouseholdDownBps-pct(s.LinkDownBps, c.cfg.HeadroomPct),
	)
	rate = min(rate, free)
	if c.capBps > 0 {
		rate = min(rate, c.capBps)
	}
	return max(rate, c.cfg.FloorBps)
}

// rising reports whether the household grew by more than RisePct of the
// link in either direction since prev.
func (c *Controller) rising(prev, s capacity.Snapshot) bool {
	return s.HouseholdUpBps-prev.HouseholdUpBps > pct(s.LinkUpBps, c.cfg.RisePct) ||
		s.HouseholdDownBps-prev.HouseholdDownBps > pct(s.LinkDownBps, c.cfg.RisePct)
}

// linkOf is the capacity of the direction that limits the relay.
func linkOf(s capacity.Snapshot) int64 { return min(s.LinkUpBps, s.LinkDownBps) }

func pct(v, p int64) int64 { return v * p / 100 }
