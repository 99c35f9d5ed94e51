package node

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
)

// Health is what the node knows of its standing with the broker.
type Health struct {
	// Registered reports whether the last registration succeeded.
	Registered bool
	// LastHeartbeat is when the broker last accepted a heartbeat.
	LastHeartbeat time.Time
	// HeartbeatError is the last heartbeat's failure, or "" after a
	// success.
	HeartbeatError string
	// SpareBps is what the last heartbeat reported.
	SpareBps int64
	// LastControl is when the control channel last answered;
	// ControlError is its last failure, or "" after a success.
	LastControl  time.Time
	ControlError string
}

// Health returns the node's standing with the broker.
func (n *Node) Health() Health {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.health
}

// Register registers the node again, with its current egress policy's
// summary and, when capacityBps is positive, that capacity as its listed
// capacity, so that the broker's registry follows the owner's changes.
// Start registers the node first.
func (n *Node) Register(ctx context.Context, capacityBps int64) error {
	n.mu.Lock()
	if capacityBps > 0 {
		n.listing.CapacityBps = capacityBps
	}
	l := n.listing
	n.mu.Unlock()
	req := api.RegisterNodeRequest{
		Region:           l.Region,
		ASN:              l.ASN,
		ConnectionType:   l.ConnectionType,
		Protocols:        []string{api.ProtocolQUIC},
		QUICAddr:         n.ExitAddr(),
		PriceMicrosPerGB: l.PriceMicrosPerGB,
		CapacityBps:      l.CapacityBps,
		EgressSummary:    n.Egress().Summary(),
	}
	if n.wg != nil {
		req.Protocols = append(req.Protocols, api.ProtocolWireGuard)
		req.WireGuardPublicKey, req.WireGuardAddr = n.wg.PublicKey(), n.WireGuardAddr()
	}
	node, err := n.cfg.Broker.RegisterNode(ctx, n.cfg.Key.Private, req)
	n.mu.Lock()
	n.health.Registered = err == nil
	n.mu.Unlock()
	if err != nil {
		return fmt.Errorf("register node %s: %w", n.ID(), err)
	}
	n.log.Info("registered with broker", zap.String("node", node.ID),
		zap.String("country", l.Region.Country), zap.String("exit", n.ExitAddr()))
	return nil
}

func (n *Node) heartbeat(ctx context.Context) {
	var req api.HeartbeatRequest
	if n.cfg.Report != nil {
		req = n.cfg.Report()
	}
	spare := n.cfg.Spare()
	req.SpareBps = spare
	res, err := n.cfg.Broker.Heartbeat(ctx, n.ID(), req)
	if err != nil && ctx.Err() != nil {
		return // shutting down: not the broker's fault
	}
	if err == nil {
		n.applyRevocations(res.Revoked)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if err != nil {
		n.health.HeartbeatError = err.Error()
		n.log.Warn("heartbeat", zap.Error(err))
		return
	}
	n.health.LastHeartbeat, n.health.HeartbeatError, n.health.SpareBps = time.Now(), "", spare
}
