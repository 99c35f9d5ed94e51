package agent

import (
	"context"
	"errors"

	"github.com/sparelink/sparelink/agent/reach"
	"github.com/sparelink/sparelink/agent/status"
	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/internal/node"
)

// NAT traversal, when Config.Punch is set: the node answers buyers' ICE
// offers from its control channel, reports the reach checker's verdict
// to the broker, and keeps a connection to the rendezvous relay the
// broker assigns. See docs/nat.md.

// startTraversal sets up traversal on the started node.
func (a *Agent) startTraversal() {
	if a.cfg.Punch == nil {
		return
	}
	a.traversal = node.NewTraversal(a.node, node.TraversalConfig{Punch: *a.cfg.Punch, Reach: a.reachability},
		a.log.Named("traversal"))
}

// commands handles the control channel's commands the node leaves to
// the agent: signalling offers, when traversal is on.
func (a *Agent) commands(ctx context.Context, c api.Command) error {
	if a.traversal == nil {
		return nil
	}
	err := a.traversal.Handle(ctx, c)
	if errors.Is(err, node.ErrNotSignal) {
		return nil
	}
	return err
}

// reachability is the reach checker's latest verdict for the broker.
func (a *Agent) reachability() api.Reachability {
	if a.cfg.Reach == nil {
		return api.Reachability{Code: api.ReachUnknown}
	}
	return a.cfg.Reach.Latest().Reachability()
}

func (a *Agent) runTraversal(ctx context.Context) {
	if a.traversal != nil {
		a.traversal.Run(ctx)
	}
}

func (a *Agent) closeTraversal() {
	if a.traversal != nil {
		_ = a.traversal.Close()
	}
}

// traversalStatus is the traversal's state for the status API.
func (a *Agent) traversalStatus() *status.Traversal {
	if a.traversal == nil {
		return nil
	}
	s := a.traversal.Status()
	out := &status.Traversal{NATMapping: reach.BehaviorUnknown, NATFiltering: reach.BehaviorUnknown, Path: api.PathPunch,
		RelayConnected: s.RelayRegistered, OpenPaths: s.Paths, Punched: s.Punched, Failed: s.Failed}
	if n := s.Reach.NAT; n != nil {
		out.NATMapping, out.NATFiltering = n.Mapping, n.Filtering
	}
	switch s.Reach.Code {
	case api.ReachPublic, api.ReachPortMapped:
		out.Path = api.PathDirect
	}
	if s.Relay != nil {
		out.Relay = s.Relay.NodeID
	}
	return out
}
