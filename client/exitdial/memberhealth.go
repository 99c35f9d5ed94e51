package exitdial

import (
	"context"
	"errors"
	"fmt"
)

// health is what the health checks know about one member. Its fields are
// guarded by the member's mutex.
type health struct {
	dead    bool
	up      bool // the last probe that decided anything succeeded
	misses  int  // probes missed in a row
	probing int  // probes waiting
	// lost ends when the member is found dead, aborting dials under way;
	// a member found alive again gets a new one.
	lost     context.Context
	loseDial context.CancelFunc
}

func newMember(d *Dialer) *member {
	m := &member{d: d}
	m.health.lost, m.health.loseDial = context.WithCancel(context.Background())
	return m
}

func (m *member) startProbe() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.health.probing >= maxProbes {
		return false
	}
	m.health.probing++
	return true
}

func (m *member) endProbe() {
	m.mu.Lock()
	m.health.probing--
	m.mu.Unlock()
}

// missed records a failed probe. It reports whether m died just now, and
// whether its connections are to be cut: once, at the cfg.CutAfter-th
// miss in a row, or at once when the failure is certain.
func (m *member) missed(certain bool, cfg HealthConfig) (died, cut bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.health.misses++
	if !m.health.dead && (certain || m.health.misses >= cfg.Misses) {
		m.health.dead, died = true, true
		m.health.loseDial()
	}
	if m.health.dead {
		m.health.up = false
	}
	cut = m.health.misses == cfg.CutAfter || (died && certain)
	return died, cut
}

// revived records an answered probe and reports whether m was dead.
func (m *member) revived() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.health.misses = 0
	m.health.up = true
	return m.reviveLocked()
}

func (m *member) wasUp() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.health.up
}

func (m *member) reviveLocked() bool {
	if !m.health.dead {
		return false
	}
	m.health.dead = false
	m.health.lost, m.health.loseDial = context.WithCancel(context.Background())
	return true
}

func (m *member) isDead() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.health.dead
}

// watchLoss returns a context for one dial through m that also ends when
// m is found dead, and a function to call with the dial's error once it
// returns: it turns an abort by the health checks into ErrExitUnavailable,
// so that the caller moves on to another exit.
func (m *member) watchLoss(ctx context.Context) (context.Context, func(error) error) {
	m.mu.Lock()
	lost := m.health.lost
	m.mu.Unlock()
	if lost.Err() != nil {
		// Already dead: this is a last-resort attempt, let it run.
		return ctx, func(err error) error { return err }
	}
	dctx, cancel := context.WithCancelCause(ctx)
	stopWatch := context.AfterFunc(lost, func() { cancel(errExitLost) })
	return dctx, func(err error) error {
		stopWatch()
		aborted := errors.Is(context.Cause(dctx), errExitLost)
		cancel(nil)
		if err != nil && aborted && ctx.Err() == nil {
			return fmt.Errorf("exit %s: %w: %w", m.d.exit.NodeID, ErrExitUnavailable, errExitLost)
		}
		return err
	}
}
