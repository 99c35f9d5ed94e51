package natdial

import (
	"context"
	"net"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/relay/punch"
)

// LeaseConfig says how FromLease reaches a lease's exits behind NAT. The
// zero value punches with host candidates only (no STUN server) and falls
// back to each exit's relay.
type LeaseConfig struct {
	// Punch configures ICE; give it the broker's STUN server so that
	// punching works across NATs.
	Punch punch.Config
	// NAT is the buyer's own NAT behaviour, passed to the exits.
	NAT *api.NATBehavior
	// RelayOnly skips punching: exits behind NAT are reached through
	// their relays only.
	RelayOnly bool
	// OnPath, when set, is told of each path opened to an exit: its
	// node ID, KindPunched or KindRelayed, and the candidate pair of a
	// punched path. It must not block.
	OnPath func(nodeID, kind, pair string)
}

// FromLease returns the QUIC exits of a lease as exitdial.FromLease does,
// except that each exit behind NAT (Traversal set in the lease answer)
// gets an exitdial.Exit.Path that signals it through broker and punches,
// or goes through its relay. A pool or dialer over these exits opens the
// path on first use and opens a new one (signalling again) whenever the
// QUIC connection over the last one ends, so a path that dies fails the
// exit's health checks and the pool fails over as for a direct exit.
// Receipts (exitdial.WithReceipts, Pool.UseReceipts) work as for direct
// exits. A nil log discards logs.
func FromLease(broker *client.Client, l *api.Lease, cfg LeaseConfig, log *zap.Logger) ([]exitdial.Exit, error) {
	exits, err := exitdial.FromLease(l)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = zap.NewNop()
	}
	routes := make(map[string]*api.RelayRoute)
	for _, e := range l.Exits {
		if signal, relay := Route(e); signal {
			routes[e.NodeID] = relay
		}
	}
	for i, e := range exits {
		relay, behind := routes[e.NodeID]
		if !behind {
			continue
		}
		exits[i].Path = opener(Config{Broker: broker, LeaseID: l.ID, Exit: e, Punch: cfg.Punch,
			NAT: cfg.NAT, Relay: relay, RelayOnly: cfg.RelayOnly}, cfg.OnPath, log)
	}
	return exits, nil
}

// Behind returns the node IDs of the exits of l that sit behind NAT.
func Behind(l *api.Lease) []string {
	var ids []string
	for _, e := range l.Exits {
		if signal, _ := Route(e); signal && e.QUIC != nil {
			ids = append(ids, e.NodeID)
		}
	}
	return ids
}

// opener returns an exitdial.OpenPath that reaches cfg.Exit with open.
func opener(cfg Config, onPath func(nodeID, kind, pair string), log *zap.Logger) exitdial.OpenPath {
	return func(ctx context.Context) (net.PacketConn, net.Addr, error) {
		p, err := open(ctx, cfg, log)
		if err != nil {
			return nil, nil, err
		}
		log.Info("path to exit opened", zap.String("exit", cfg.Exit.NodeID),
			zap.String("kind", p.Kind), zap.String("pair", p.Pair))
		if onPath != nil {
			onPath(cfg.Exit.NodeID, p.Kind, p.Pair)
		}
		return p.pc, p.peer, nil
	}
}

// NewLeaseExits returns a function that reads the exits of each lease as
// FromLease does, for exitdial.KeepFreshWith, so that exits a lease
// gains behind NAT are reached the same way.
func NewLeaseExits(broker *client.Client, cfg LeaseConfig, log *zap.Logger) func(*api.Lease) ([]exitdial.Exit, error) {
	return func(l *api.Lease) ([]exitdial.Exit, error) { return FromLease(broker, l, cfg, log) }
}
