package agent

import (
	"context"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/agent/owner"
	"github.com/sparelink/sparelink/internal/node"
)

// controlState is what the control loop last applied.
type controlState struct {
	decision owner.Decision
	rules    node.Rules
	listed   int64 // capacity last registered
}

// control applies the owner's controls every ControlInterval, and at once
// when the settings change, until ctx ends.
func (a *Agent) control(ctx context.Context) {
	t := time.NewTicker(a.cfg.ControlInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-a.controls.Changed():
		}
		a.apply(ctx)
	}
}

// apply takes one decision and enforces it.
func (a *Agent) apply(ctx context.Context) {
	s := a.controls.Settings()
	d := a.decide(s)
	a.mu.Lock()
	prev := a.state
	a.state.decision = d
	a.mu.Unlock()
	a.enforce(prev.decision, d)
	a.relist(ctx, s, prev)
}

// decide observes the meter and the line, and applies the settings.
func (a *Agent) decide(s owner.Settings) owner.Decision {
	now := a.now()
	fresh := a.sessions.observe(a.node.Meter(), now)
	u := a.usage.add(now, s.ResetDay(), fresh)
	snap := a.sampler.Snapshot()
	a.mu.Lock()
	household := a.household.add(now, max(snap.HouseholdUpBps, snap.HouseholdDownBps))
	a.mu.Unlock()
	return owner.Decide(s, a.controls.Schedule(), owner.Inputs{
		Now:          now,
		UsedBytes:    u.Bytes,
		HouseholdBps: household,
		ActiveLeases: a.sessions.active(now),
		SpareBps:     snap.SpareBps,
	})
}

// enforce applies d to the exit and tells the broker when the answer to
// "new leases?" changes.
func (a *Agent) enforce(prev, d owner.Decision) {
	if d.Tunnels {
		a.node.Refuse("")
	} else {
		a.node.Refuse(d.Reason.Sentence())
	}
	if d.CapBps != prev.CapBps {
		a.yield.SetCap(d.CapBps) // yield's Run applies it to the exit
	}
	if d.EndOpen {
		if n := a.node.EndTunnels(); n > 0 {
			a.log.Info("ended open tunnels", zap.Int("tunnels", n), zap.String("reason", string(d.Reason)))
		}
	}
	if d.Reason != prev.Reason || d.NewLeases != prev.NewLeases {
		if d.Reason != "" {
			a.log.Info("sharing limited", zap.String("reason", string(d.Reason)), zap.Bool("tunnels", d.Tunnels))
		} else {
			a.log.Info("sharing")
		}
		a.node.HeartbeatNow()
	}
}

// relist rebuilds the egress policy when the owner's rules changed, and
// registers again when they or the listed capacity changed.
func (a *Agent) relist(ctx context.Context, s owner.Settings, prev controlState) {
	rules := rulesOf(s)
	listed := listedCapacity(s, a.startSpare)
	sameRules := rulesEqual(rules, prev.rules)
	if sameRules && listed == prev.listed {
		return
	}
	if !sameRules {
		p, err := rules.Policy(a.log.Named("egress"))
		if err != nil {
			a.log.Error("owner's egress rules", zap.Error(err))
			return
		}
		a.node.SetEgress(p)
	}
	a.mu.Lock()
	a.state.rules, a.state.listed = rules, listed
	a.mu.Unlock()
	if err := a.node.Register(ctx, listed); err != nil && ctx.Err() == nil {
		a.log.Warn("register the owner's changes", zap.Error(err))
	}
}

func rulesOf(s owner.Settings) node.Rules {
	return node.Rules{Allow: s.EgressAllow, Deny: s.EgressDeny, WebOnly: s.WebOnly}
}

func rulesEqual(a, b node.Rules) bool {
	return a.WebOnly == b.WebOnly && slices.Equal(a.Allow, b.Allow) && slices.Equal(a.Deny, b.Deny)
}

// listedCapacity is the capacity the broker lists: the owner's cap, or
// the spare capacity measured at start when there is none. Heartbeats
// carry the live figure.
func listedCapacity(s owner.Settings, spare int64) int64 {
	if c := s.CapBps(); c > 0 {
		return c
	}
	return max(spare, 1)
}
