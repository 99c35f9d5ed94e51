package yield

import (
	"context"
	"time"
)

// Step reads the source once, judges the sample's age by the controller's
// clock and returns the allowed rate.
func (c *Controller) Step() int64 {
	s := c.cfg.Source.Snapshot()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.observe(s)
	c.markStale(c.cfg.Now())
	return c.allowed
}

// Run steps every Poll until ctx is done. It calls apply with the allowed
// rate once at the start and then whenever the rate changes, including
// through SetCap; apply runs on Run's goroutine and should not block.
func (c *Controller) Run(ctx context.Context, apply func(bps int64)) {
	t := time.NewTicker(c.cfg.Poll)
	defer t.Stop()
	last := c.Step()
	apply(last)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if bps := c.Step(); bps != last {
			apply(bps)
			last = bps
		}
	}
}
