package node

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/relay/forward"
)

// Run reports the node's reachability at once, whenever the verdict
// changes and every ReportInterval, and follows the broker's choice of
// rendezvous relay, until ctx is done or Close.
func (t *Traversal) Run(ctx context.Context) {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	context.AfterFunc(t.ctx, stop)
	poll := time.NewTicker(t.cfg.ReachPoll)
	defer poll.Stop()
	var last time.Time
	for {
		r := t.reach()
		if t.changed(r) || time.Since(last) >= t.cfg.ReportInterval {
			if t.reportNow(ctx, r) {
				last = time.Now()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
		}
	}
}

func (t *Traversal) reach() api.Reachability {
	r := api.Reachability{Code: api.ReachUnknown}
	if t.cfg.Reach != nil {
		r = t.cfg.Reach()
	}
	r.Forwarder = t.cfg.Forwarder
	return r
}

// changed reports whether r's verdict differs from the last one kept.
func (t *Traversal) changed(r api.Reachability) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.report
	return old.Code != r.Code || old.MappedAddr != r.MappedAddr || (old.NAT == nil) != (r.NAT == nil) ||
		(old.NAT != nil && *old.NAT != *r.NAT)
}

// reportNow sends r and follows the relay in the answer.
func (t *Traversal) reportNow(ctx context.Context, r api.Reachability) bool {
	ans, err := t.n.cfg.Broker.ReportReachability(ctx, t.n.ID(), r)
	if err != nil {
		if ctx.Err() == nil {
			t.log.Warn("report reachability", zap.Error(err))
		}
		return false
	}
	t.note(func() { t.report = r })
	t.follow(ans.Relay)
	return true
}

// follow keeps a connection to route, replacing one to another relay.
func (t *Traversal) follow(route *api.RelayRoute) {
	t.mu.Lock()
	same := (route == nil && t.route == nil) || (route != nil && t.route != nil && *route == *t.route)
	t.mu.Unlock()
	if same {
		return
	}
	var nc *forward.NodeConn
	if route != nil {
		var err error
		nc, err = forward.DialNode(forward.NodeConfig{Relay: route.Addr, Key: t.n.cfg.Key.Private, Interval: t.cfg.RelayInterval}, t.log)
		if err == nil {
			err = t.n.exit.ServePacketConn(nc)
		}
		if err != nil {
			t.log.Warn("connect to rendezvous relay", zap.String("relay", route.NodeID), zap.Error(err))
			if nc != nil {
				_ = nc.Close()
			}
			return
		}
		t.log.Info("keeping a connection to the rendezvous relay", zap.String("relay", route.NodeID))
	}
	t.mu.Lock()
	if t.ctx.Err() != nil { // closed meanwhile
		t.mu.Unlock()
		if nc != nil {
			_ = nc.Close()
		}
		return
	}
	old := t.relay
	t.relay, t.route = nc, route
	t.mu.Unlock()
	if old != nil {
		_ = old.Close()
	}
}
