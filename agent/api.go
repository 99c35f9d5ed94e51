package agent

import (
	"context"
	"errors"
	"syscall"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/agent/dashboard"
	"github.com/sparelink/sparelink/agent/status"
)

// startAPI starts the status API and the dashboard on loopback.
func (a *Agent) startAPI() error {
	var err error
	a.token, a.newToken, err = status.LoadOrCreateToken(a.cfg.DataDir)
	if err != nil {
		return err
	}
	cfg := status.Config{
		Listen:    a.cfg.StatusListen,
		Token:     a.token,
		Status:    a.Status,
		Controls:  a.controls,
		Dashboard: dashboard.Handler(),
		DataDir:   a.cfg.DataDir,
	}
	a.api, err = status.Start(cfg, a.log.Named("status"))
	if errors.Is(err, syscall.EADDRINUSE) {
		// Another agent on this machine has the port: take any free one;
		// status.addr tells the CLI which.
		a.log.Warn("status API port taken, using another", zap.String("wanted", cfg.Listen))
		cfg.Listen = "127.0.0.1:0"
		a.api, err = status.Start(cfg, a.log.Named("status"))
	}
	if err != nil {
		return err
	}
	a.log.Info("dashboard and status API", zap.String("url", a.api.URL()))
	return nil
}

// DashboardURL is the address of the dashboard and the status API.
func (a *Agent) DashboardURL() string { return a.api.URL() }

// StatusToken is the status API's token, and whether this start created
// it (so the owner has not seen it yet). It is a secret: never log it.
func (a *Agent) StatusToken() (token string, created bool) { return a.token, a.newToken }

// Status reports what the agent is doing, for the status API.
func (a *Agent) Status(context.Context) status.Status {
	now := a.now()
	s := a.controls.Settings()
	d := a.Decision()
	h := a.node.Health()
	snap := a.sampler.Snapshot()
	u := a.usage.current().Roll(now, s.ResetDay())
	st := status.Status{
		NodeID:             a.NodeID(),
		ExitAddr:           a.ExitAddr(),
		WireGuardPublicKey: a.wgPublic,
		Registered:         h.Registered,
		LastHeartbeat:      h.LastHeartbeat,
		HeartbeatError:     h.HeartbeatError,
		Serving: status.Serving{
			Tunnels: d.Tunnels, NewLeases: d.NewLeases,
			Reason: string(d.Reason), Detail: d.Reason.Sentence(),
			CapBps: a.node.MaxRate(), OwnerCapBps: d.CapBps, SpareBps: d.SpareBps,
			ScheduleChange: a.controls.Schedule().NextChange(now),
		},
		Capacity: status.Capacity{
			HouseholdUpBps: snap.HouseholdUpBps, HouseholdDownBps: snap.HouseholdDownBps,
			RelayBps:  snap.RelayUpBps,
			LinkUpBps: snap.LinkUpBps, LinkDownBps: snap.LinkDownBps,
			SpareBps: snap.SpareBps, At: snap.At,
		},
		Settings:      s,
		ActiveTunnels: a.node.ActiveTunnels(),
		Sessions:      a.sessions.list(now),
		Usage: status.Usage{
			PeriodStart: u.PeriodStart, PeriodEnd: u.PeriodEnd,
			UsedBytes: u.Bytes, QuotaBytes: s.QuotaBytes,
		},
		Earnings:     a.earnings.get(),
		Reachability: status.ReachabilityUnknown,
		At:           now,
	}
	if a.cfg.Reach != nil {
		r := a.cfg.Reach.Latest()
		st.Reachability, st.ReachabilityReasons = string(r.Code), r.Reasons
	}
	st.Traversal = a.traversalStatus()
	return st
}
