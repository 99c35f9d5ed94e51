// Package agent is the home seller's node: it keeps the node's identity in
// its data directory, measures spare throughput next to the household's own
// traffic, applies the owner's caps and egress additions, and runs the
// node's exit and broker session (internal/node).
//
// It talks to the broker only through the client SDK.
package agent

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/agent/capacity"
	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/node"
	"github.com/sparelink/sparelink/metering/meter"
)

// Config is the agent's configuration; see cmd/sparelink-agent for the
// flags that fill it. DataDir, BrokerURL, OperatorKey and Region.Country
// are required.
type Config struct {
	DataDir     string
	BrokerURL   string
	OperatorKey string

	Region         api.Region
	ASN            int
	ConnectionType string // zero: residential
	// PriceMicrosPerGB is the owner's floor price; zero means 1,000,000
	// (one unit per GB).
	PriceMicrosPerGB int64

	ListenQUIC    string // zero: 127.0.0.1:0
	AdvertiseAddr string

	// LinkUpBps and LinkDownBps are the line's capacity in bytes per
	// second, when known.
	LinkUpBps, LinkDownBps int64
	// MaxRateBps is the owner's cap on relay traffic; zero: none.
	MaxRateBps int64
	// Interfaces whose counters measure household traffic; empty: all but
	// loopback.
	Interfaces []string

	// EgressAllow and EgressDeny are the owner's additions to the egress
	// policy, in relay/egress rule syntax ("203.0.113.7:443", "10.0.0.0/8").
	EgressAllow, EgressDeny []string

	HeartbeatInterval time.Duration
	ReceiptInterval   time.Duration
}

// KeyFile is the node key's file name inside the data directory.
const KeyFile = node.KeyFile

// Agent is a running home node.
type Agent struct {
	cfg     Config
	log     *zap.Logger
	sampler *capacity.Sampler
	node    *node.Node
}

// Start loads or creates the node identity, starts measuring and serving,
// and registers with the broker.
func Start(ctx context.Context, cfg Config, log *zap.Logger) (*Agent, error) {
	if cfg.DataDir == "" || cfg.BrokerURL == "" || cfg.OperatorKey == "" {
		return nil, errors.New("agent: data dir, broker URL and operator key are required")
	}
	if cfg.ConnectionType == "" {
		cfg.ConnectionType = api.ConnResidential
	}
	if cfg.PriceMicrosPerGB == 0 {
		cfg.PriceMicrosPerGB = 1_000_000
	}
	key, policy, err := node.Prepare(cfg.DataDir, cfg.EgressAllow, cfg.EgressDeny, log)
	if err != nil {
		return nil, err
	}
	a := &Agent{cfg: cfg, log: log}
	relayMeter := new(meter.Meter)
	a.sampler = capacity.New(capacity.Config{
		Interfaces:  cfg.Interfaces,
		LinkUpBps:   cfg.LinkUpBps,
		LinkDownBps: cfg.LinkDownBps,
		OwnerCapBps: cfg.MaxRateBps,
		Relay:       func() meter.Totals { return sumMeter(relayMeter) },
	}, log.Named("capacity"))
	a.node, err = node.Start(ctx, node.Config{
		Key:    key,
		Broker: client.New(cfg.BrokerURL, cfg.OperatorKey),
		Egress: policy,
		Meter:  relayMeter,
		Listing: node.Listing{
			Region:           cfg.Region,
			ASN:              cfg.ASN,
			ConnectionType:   cfg.ConnectionType,
			PriceMicrosPerGB: cfg.PriceMicrosPerGB,
			CapacityBps:      a.sampler.Snapshot().SpareBps,
		},
		ListenQUIC:        cfg.ListenQUIC,
		AdvertiseAddr:     cfg.AdvertiseAddr,
		Spare:             func() int64 { return a.sampler.Snapshot().SpareBps },
		HeartbeatInterval: cfg.HeartbeatInterval,
		ReceiptInterval:   cfg.ReceiptInterval,
	}, log)
	if err != nil {
		return nil, err
	}
	return a, nil
}

func sumMeter(m *meter.Meter) meter.Totals {
	var t meter.Totals
	for _, v := range m.Snapshot() {
		t.Up += v.Up
		t.Down += v.Down
	}
	return t
}

// NodeID is the agent's node ID.
func (a *Agent) NodeID() string { return a.node.ID() }

// ExitAddr is the address of the agent's QUIC exit.
func (a *Agent) ExitAddr() string { return a.node.ExitAddr() }

// Meter is the agent's per-lease byte counts at its exit.
func (a *Agent) Meter() *meter.Meter { return a.node.Meter() }

// Capacity is the latest spare-capacity estimate.
func (a *Agent) Capacity() capacity.Snapshot { return a.sampler.Snapshot() }

// Run measures, heartbeats and uploads receipts until ctx is done, uploads
// the last receipts and stops the exit.
func (a *Agent) Run(ctx context.Context) error {
	defer a.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.sampler.Run(ctx)
	}()
	return a.node.Run(ctx)
}

// Close stops the exit of an agent that is not running (Run closes it
// itself). It is idempotent.
func (a *Agent) Close() error { return a.node.Close() }

// Flush uploads receipts for all traffic so far.
func (a *Agent) Flush(ctx context.Context) error { return a.node.Flush(ctx) }
