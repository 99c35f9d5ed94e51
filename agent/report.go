package agent

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/agent/owner"
	"github.com/sparelink/sparelink/agent/probe"
	"github.com/sparelink/sparelink/broker/api"
)

// report is what each heartbeat tells the broker beyond spare capacity:
// relay load, leases served, why new leases are refused, the owner's caps
// and the agent's estimate of the line. The broker lists all of it.
func (a *Agent) report() api.HeartbeatRequest {
	now := a.now()
	s := a.controls.Settings()
	snap := a.sampler.Snapshot()
	r := api.HeartbeatRequest{
		LoadBps:      snap.RelayUpBps + snap.RelayDownBps,
		ActiveLeases: a.sessions.active(now),
		OwnerCaps:    ownerCaps(s, a.usage.current()),
	}
	if snap.LinkUpBps > 0 || snap.LinkDownBps > 0 {
		r.Link = &api.Link{UpBps: snap.LinkUpBps, DownBps: snap.LinkDownBps, MeasuredAt: snap.At}
	}
	if d := a.Decision(); !d.NewLeases {
		r.Unavailable = string(d.Reason)
	}
	return r
}

// ownerCaps is the broker's view of the owner's settings: the limits
// buyers may want to know, not the egress rules.
func ownerCaps(s owner.Settings, u owner.Usage) *api.OwnerCaps {
	return &api.OwnerCaps{
		MaxUpBps: s.MaxUpBps, MaxDownBps: s.MaxDownBps,
		MonthlyQuotaBytes: s.QuotaBytes, QuotaResetDay: s.QuotaResetDay, QuotaUsedBytes: u.Bytes,
		Schedule: s.Schedule, OnlyWhenIdle: s.OnlyWhenIdle, MaxLeases: s.MaxLeases, WebOnly: s.WebOnly,
	}
}

// Line probes against the broker: how often, and how long to wait for an
// idle line before trying again.
const (
	DefaultProbeInterval = 24 * time.Hour
	probeRetry           = 5 * time.Minute
)

// probeLine measures the line against the broker once the line is idle,
// then every ProbeInterval, and feeds the result to the capacity
// estimate. The broker times the same transfers and lists its figures
// next to the agent's.
func (a *Agent) probeLine(ctx context.Context) {
	p, err := probe.New(probe.Config{
		BaseURL: strings.TrimSuffix(a.cfg.BrokerURL, "/") + "/v1/nodes/" + a.node.ID(),
		Line:    a.sampler,
		Header:  http.Header{"Authorization": {"Bearer " + a.cfg.OperatorKey}},
	}, a.log.Named("probe"))
	if err != nil {
		a.log.Warn("line probe disabled", zap.Error(err))
		return
	}
	wait := a.cfg.ProbeDelay
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if a.sampler.Snapshot().At.IsZero() {
			wait = time.Second // the line has no reading yet
			continue
		}
		res, err := p.Measure(ctx)
		switch {
		case err == nil:
			a.sampler.RecordProbe(res.UpBps, res.DownBps)
			wait = a.cfg.ProbeInterval
		case errors.Is(err, probe.ErrNotIdle), errors.Is(err, probe.ErrBusy):
			a.log.Debug("line probe postponed", zap.Error(err))
			wait = probeRetry
		case ctx.Err() != nil:
			return
		default:
			a.log.Warn("line probe", zap.Error(err))
			wait = probeRetry
		}
	}
}
