package node

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
)

// The node's end of the control channel: it long-polls the broker for
// commands (the node dials out, so this works behind NAT), handles those
// it knows (revocations) and hands the rest to Config.Commands. After a
// failure it waits with exponential backoff and jitter, so that a fleet
// does not return to a broker all at once.

// Control channel timing.
const (
	controlMinBackoff = time.Second
	controlMaxBackoff = time.Minute
	maxControlWait    = 25 // seconds; the SDK's HTTP timeout is 30s
)

// control polls for commands until ctx is done.
func (n *Node) control(ctx context.Context) {
	var (
		after   int64
		wait    int // seconds; the first poll answers at once
		backoff = controlMinBackoff
	)
	for ctx.Err() == nil {
		batch, err := n.cfg.Broker.NodeCommands(ctx, n.ID(), after, time.Duration(wait)*time.Second)
		n.noteControl(err)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			d := jitter(backoff)
			n.log.Warn("control channel", zap.Error(err), zap.Duration("retry_in", d))
			if !sleep(ctx, d) {
				return
			}
			backoff = min(2*backoff, controlMaxBackoff)
			continue
		}
		backoff = controlMinBackoff
		for _, c := range batch.Commands {
			n.handle(ctx, c)
		}
		after, wait = max(after, batch.Next), min(max(batch.WaitSeconds, 0), maxControlWait)
	}
}

// handle carries out one command. A command that fails is logged and
// acknowledged anyway: the broker has slower backstops for each.
func (n *Node) handle(ctx context.Context, c api.Command) {
	if c.Type == api.CommandRevoke {
		var r api.Revocation
		if err := json.Unmarshal(c.Data, &r); err != nil || r.LeaseID == "" {
			n.log.Warn("malformed revoke command", zap.Int64("id", c.ID), zap.Error(err))
			return
		}
		n.revoke(r.LeaseID, r.Until, "control channel")
		return
	}
	if c.Type == api.CommandWireGuardPeer && n.wg != nil {
		if err := n.wireGuardCommand(c); err != nil {
			n.log.Warn("command failed", zap.Int64("id", c.ID), zap.String("type", c.Type), zap.Error(err))
		}
		return
	}
	if n.cfg.Commands == nil {
		n.log.Debug("command ignored", zap.Int64("id", c.ID), zap.String("type", c.Type))
		return
	}
	if err := n.cfg.Commands(ctx, c); err != nil {
		n.log.Warn("command failed", zap.Int64("id", c.ID), zap.String("type", c.Type), zap.Error(err))
	}
}

func (n *Node) noteControl(err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err != nil {
		n.health.ControlError = err.Error()
		return
	}
	n.health.ControlError, n.health.LastControl = "", time.Now()
}

// jitter spreads d over [0.8d, 1.2d).
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// sleep waits d or until ctx is done, and reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
