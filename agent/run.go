package agent

import (
	"context"
	"sync"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/agent/capacity"
	"github.com/sparelink/sparelink/agent/owner"
	"github.com/sparelink/sparelink/agent/reach"
	"github.com/sparelink/sparelink/metering/meter"
)

// NodeID is the agent's node ID.
func (a *Agent) NodeID() string { return a.node.ID() }

// ExitAddr is the address of the agent's QUIC exit.
func (a *Agent) ExitAddr() string { return a.node.ExitAddr() }

// WireGuardPublicKey is the node's WireGuard public key, base64.
func (a *Agent) WireGuardPublicKey() string { return a.wgPublic }

// Meter is the agent's per-lease byte counts at its exit.
func (a *Agent) Meter() *meter.Meter { return a.node.Meter() }

// Capacity is the latest spare-capacity estimate, before the owner's cap.
func (a *Agent) Capacity() capacity.Snapshot { return a.sampler.Snapshot() }

// Controls are the owner's live settings.
func (a *Agent) Controls() *owner.Controls { return a.controls }

// Decision is the owner's controls as last applied.
func (a *Agent) Decision() owner.Decision {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.state.decision
}

// Run measures, yields to the household, applies the owner's controls,
// heartbeats and uploads
// receipts until ctx is done, then uploads the last receipts, saves the
// month's usage and stops the exit and the status API.
func (a *Agent) Run(ctx context.Context) error {
	defer a.Close()
	defer func() { a.usage.save(a.now()) }()
	var wg sync.WaitGroup
	defer wg.Wait()
	loops := []func(context.Context){
		a.sampler.Run,
		a.control,
		func(ctx context.Context) { a.yield.Run(ctx, a.applyRate) },
		func(ctx context.Context) { a.earnings.run(ctx, a.cfg.BalanceInterval, a.now) },
	}
	if a.cfg.ProbeInterval >= 0 {
		loops = append(loops, a.probeLine)
	}
	if a.cfg.Reach != nil {
		loops = append(loops, func(ctx context.Context) { a.cfg.Reach.Run(ctx, a.reachReport) })
	}
	loops = append(loops, a.runTraversal)
	for _, loop := range loops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			loop(ctx)
		}()
	}
	return a.node.Run(ctx)
}

// applyRate caps the exit at the rate agent/yield allows, which follows
// the household, and never above the owner's cap (yield keeps a floor
// that a tiny owner's cap may be below).
func (a *Agent) applyRate(bps int64) {
	if c := a.Decision().CapBps; c > 0 {
		bps = min(bps, c)
	}
	a.node.SetMaxRate(bps)
}

func (a *Agent) reachReport(r reach.Report) {
	a.log.Info("reachability", zap.String("verdict", string(r.Code)))
}

// Close stops the exit and the status API of an agent that is not
// running (Run closes them itself). It is idempotent.
func (a *Agent) Close() error {
	apiErr := a.api.Close()
	a.closeTraversal()
	if err := a.node.Close(); err != nil {
		return err
	}
	return apiErr
}

// Flush uploads receipts for all traffic so far.
func (a *Agent) Flush(ctx context.Context) error { return a.node.Flush(ctx) }
