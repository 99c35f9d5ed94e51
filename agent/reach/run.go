package reach

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"
)

// Run checks at once and again whenever the interface addresses change,
// every Recheck, and when half of a held mapping's lifetime has passed,
// until ctx is done; then it deletes the mapping from the router.
// onReport, if not nil, gets every report on Run's goroutine.
func (c *Checker) Run(ctx context.Context, onReport func(Report)) {
	t := time.NewTicker(c.cfg.Poll)
	defer t.Stop()
	defer c.unmap()
	key := c.addrKey()
	last := c.runCheck(ctx, onReport)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		k := c.addrKey()
		if k == key && !c.due(last) {
			continue
		}
		if k != key {
			c.log.Info("interface addresses changed: checking reachability again")
		}
		key = k
		last = c.runCheck(ctx, onReport)
	}
}

func (c *Checker) runCheck(ctx context.Context, onReport func(Report)) time.Time {
	r := c.Check(ctx)
	if onReport != nil && ctx.Err() == nil {
		onReport(r)
	}
	return r.At
}

// due reports whether the daily recheck or a mapping renewal is due.
func (c *Checker) due(last time.Time) bool {
	since := c.cfg.Now().Sub(last)
	if since >= c.cfg.Recheck {
		return true
	}
	m := c.heldMapping()
	return m != nil && since >= m.Lifetime/2
}

// addrKey sums up the inspected interface addresses; a change means the
// network changed.
func (c *Checker) addrKey() string {
	all, err := c.cfg.Addrs()
	if err != nil {
		return "error"
	}
	return fmt.Sprint(filterAddrs(all, c.cfg.Interfaces))
}

// unmap deletes the held mapping (a zero lifetime, RFC 6886 section 3.4).
func (c *Checker) unmap() {
	m := c.heldMapping()
	if m == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.Timeout)
	defer cancel()
	var err error
	switch m.Protocol {
	case "pcp":
		_, err = pcpMap(ctx, m.Gateway, m.nonce, m.InternalPort, 0, 0, c.cfg.Timeout)
	case "upnp":
		err = m.igd.unmapUDP(ctx, m.ExternalPort)
	default:
		_, err = mapUDP(ctx, m.Gateway, m.InternalPort, 0, 0, c.cfg.Timeout)
	}
	if err != nil {
		c.log.Debug("delete port mapping", zap.Error(err))
		return
	}
	c.mu.Lock()
	c.mapping = nil
	c.mu.Unlock()
}
