package exitdial

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Health check defaults, used when the matching HealthConfig field is zero.
const (
	DefaultHealthInterval = 250 * time.Millisecond
	DefaultHealthTimeout  = 750 * time.Millisecond
	DefaultHealthMisses   = 2
	DefaultHealthCutAfter = 4
)

// maxProbes bounds the probes of one exit waiting at a time.
const maxProbes = 3

// errExitLost aborts dials through an exit that a health check found dead.
var errExitLost = errors.New("exit failed its health checks")

// HealthConfig tunes Pool.Watch. The zero value probes every 250ms, gives
// each probe 750ms, marks an exit dead after 2 missed probes in a row (at
// once when its QUIC connection is closed or cannot be made), and closes
// the connection of an exit that missed 4, which ends its tunnels: an
// exit that vanishes is skipped within about 1.25s and its tunnels end
// within about 1.75s.
type HealthConfig struct {
	Interval time.Duration
	Timeout  time.Duration
	Misses   int
	CutAfter int
	// OnChange, when set, is called after an exit is found dead or alive
	// again. It must not block.
	OnChange func(nodeID string, healthy bool)
}

func (c HealthConfig) withDefaults() HealthConfig {
	if c.Interval <= 0 {
		c.Interval = DefaultHealthInterval
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultHealthTimeout
	}
	if c.Misses <= 0 {
		c.Misses = DefaultHealthMisses
	}
	if c.CutAfter <= 0 {
		c.CutAfter = DefaultHealthCutAfter
	}
	return c
}

// Watch health-checks every exit of the pool until ctx ends, and returns
// once its probes have stopped. A probe is one HTTP/3 request on the
// exit's pooled QUIC connection (dialled first if there is none), which
// the exit answers without opening anything: a round trip proves that the
// exit is alive. Probes start every Interval even while earlier ones
// wait, up to maxProbes at a time, so that misses add up at the pace of
// the interval rather than of the timeout. An exit found dead is skipped by DialContext and DialUDP
// and refused by DialExit, and dials already waiting on it are aborted;
// it rejoins the rotation at its next answered probe.
func (p *Pool) Watch(ctx context.Context, cfg HealthConfig) {
	cfg = cfg.withDefaults()
	t := time.NewTicker(cfg.Interval)
	defer t.Stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		for _, m := range p.list() {
			if !m.startProbe() {
				continue // enough probes are still waiting
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer m.endProbe()
				p.check(ctx, m, cfg)
			}()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// check probes m once and records the outcome.
func (p *Pool) check(ctx context.Context, m *member, cfg HealthConfig) {
	certain, err := m.d.probe(ctx, cfg.Timeout, m.wasUp())
	if ctx.Err() != nil || p.closed.Load() {
		return
	}
	if errors.Is(err, errPathOpening) {
		return // no verdict until the path is open
	}
	id := m.d.exit.NodeID
	if err == nil {
		if m.revived() {
			p.log.Info("exit answers health checks again", zap.String("exit", id))
			notify(cfg, id, true)
		}
		return
	}
	died, cut := m.missed(certain, cfg)
	if died {
		p.log.Warn("exit failed health checks, skipping it", zap.String("exit", id), zap.Error(err))
		notify(cfg, id, false)
	}
	if cut {
		m.d.dropConns("exit failed health checks")
	}
}

func notify(cfg HealthConfig, id string, healthy bool) {
	if cfg.OnChange != nil {
		cfg.OnChange(id, healthy)
	}
}
