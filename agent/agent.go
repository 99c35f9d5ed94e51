// Package agent is the home seller's node: it keeps the node's identity in
// its data directory, measures spare throughput next to the household's own
// traffic, yields the relay's rate to the household (agent/yield), applies
// the owner's controls (agent/owner) to its exit and heartbeats, serves the
// local status API and dashboard (agent/status, agent/dashboard), and runs
// the node's exit and broker session (internal/node).
//
// It talks to the broker only through the client SDK.
package agent

import (
	"context"
	"path/filepath"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/agent/capacity"
	"github.com/sparelink/sparelink/agent/owner"
	"github.com/sparelink/sparelink/agent/status"
	"github.com/sparelink/sparelink/agent/yield"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/node"
	"github.com/sparelink/sparelink/metering/meter"
)

// Agent is a running home node.
type Agent struct {
	cfg        Config
	log        *zap.Logger
	sampler    *capacity.Sampler
	yield      *yield.Controller
	node       *node.Node
	controls   *owner.Controls
	usage      *usage
	sessions   *sessions
	earnings   *earnings
	api        *status.Server
	wgPublic   string
	wgKey      identity.WireGuardKey
	token      string
	newToken   bool
	startSpare int64
	traversal  *node.Traversal // nil unless Config.Punch is set

	mu        sync.Mutex
	state     controlState
	household peak
}

// Start loads or creates the node's keys and the owner's settings, starts
// measuring, serving and the status API, and registers with the broker.
func Start(ctx context.Context, cfg Config, log *zap.Logger) (*Agent, error) {
	cfg, err := withDefaults(cfg)
	if err != nil {
		return nil, err
	}
	a := &Agent{cfg: cfg, log: log, sessions: newSessions(), household: peak{window: cfg.IdleHold}}
	if err := a.loadFiles(); err != nil {
		return nil, err
	}
	key, err := node.LoadKey(cfg.DataDir, log)
	if err != nil {
		return nil, err
	}
	if err := a.startNode(ctx, key); err != nil {
		return nil, err
	}
	if err := a.startAPI(); err != nil {
		a.node.Close()
		return nil, err
	}
	return a, nil
}

// startNode starts measuring and the node, under the owner's controls as
// they stand at start.
func (a *Agent) startNode(ctx context.Context, key identity.Key) error {
	s := a.controls.Settings()
	policy, err := rulesOf(s).Policy(a.log.Named("egress"))
	if err != nil {
		return err
	}
	relayMeter := new(meter.Meter)
	a.sampler = capacity.New(capacity.Config{
		Interfaces:  a.cfg.Interfaces,
		LinkUpBps:   a.cfg.LinkUpBps,
		LinkDownBps: a.cfg.LinkDownBps,
		Relay:       func() meter.Totals { return sumMeter(relayMeter) },
	}, a.log.Named("capacity"))
	a.startSpare = a.sampler.Snapshot().SpareBps
	a.yield, err = yield.New(yield.Config{Source: a.sampler}, a.log.Named("yield"))
	if err != nil {
		return err
	}
	broker := client.New(a.cfg.BrokerURL, a.cfg.OperatorKey)
	a.earnings = &earnings{broker: broker, nodeID: key.NodeID()}
	now := a.now()
	d := owner.Decide(s, a.controls.Schedule(), owner.Inputs{
		Now: now, UsedBytes: a.usage.add(now, s.ResetDay(), 0).Bytes, SpareBps: a.startSpare,
	})
	a.state = controlState{decision: d, rules: rulesOf(s), listed: listedCapacity(s, a.startSpare)}
	a.yield.SetCap(d.CapBps)
	a.node, err = node.Start(ctx, node.Config{
		Key: key, Broker: broker, Egress: policy, Meter: relayMeter,
		Listing: node.Listing{
			Region: a.cfg.Region, ASN: a.cfg.ASN, ConnectionType: a.cfg.ConnectionType,
			PriceMicrosPerGB: a.cfg.PriceMicrosPerGB, CapacityBps: a.state.listed,
		},
		ListenQUIC:        a.cfg.ListenQUIC,
		AdvertiseAddr:     a.cfg.AdvertiseAddr,
		Spare:             func() int64 { return a.Decision().SpareBps },
		Report:            a.report,
		Commands:          a.commands,
		WireGuard:         a.wireGuard(),
		Spool:             filepath.Join(a.cfg.DataDir, node.SpoolFile),
		HeartbeatInterval: a.cfg.HeartbeatInterval,
		ReceiptInterval:   a.cfg.ReceiptInterval,
		MaxRateBps:        d.CapBps,
		Refusal:           refusal(d),
	}, a.log)
	if err == nil {
		// The node resumes its meter from the receipt spool: bytes an
		// earlier run carried, already in the usage file. Take them as
		// the sessions' starting point, not as new traffic.
		a.sessions.observe(a.node.Meter(), now)
		a.startTraversal()
	}
	return err
}

// loadFiles opens the owner's settings and usage and the WireGuard key.
func (a *Agent) loadFiles() error {
	var err error
	a.controls, err = owner.Open(owner.Config{Dir: a.cfg.DataDir, Override: a.override}, a.log.Named("owner"))
	if err != nil {
		return err
	}
	if a.usage, err = loadUsage(a.cfg.DataDir, a.log); err != nil {
		return err
	}
	wg, created, err := identity.LoadOrCreateWireGuard(filepath.Join(a.cfg.DataDir, WireGuardKeyFile))
	if err != nil {
		return err
	}
	a.wgKey = wg
	if a.wgPublic, err = wg.Public(); err != nil {
		return err
	}
	if created {
		a.log.Info("created WireGuard key", zap.String("public_key", a.wgPublic))
	}
	return nil
}

// wireGuard is the node's WireGuard exit, unless the config turns it off.
func (a *Agent) wireGuard() *node.WireGuard {
	if a.cfg.NoWireGuard {
		return nil
	}
	return &node.WireGuard{Key: a.wgKey, ListenAddr: a.cfg.ListenWireGuard, AdvertiseAddr: a.cfg.AdvertiseWireGuard}
}

func refusal(d owner.Decision) string {
	if d.Tunnels {
		return ""
	}
	return d.Reason.Sentence()
}

func sumMeter(m *meter.Meter) meter.Totals {
	var t meter.Totals
	for _, v := range m.Snapshot() {
		t.Up += v.Up
		t.Down += v.Down
	}
	return t
}

func (a *Agent) now() time.Time { return a.cfg.Now() }
