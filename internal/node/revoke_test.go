package node_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/internal/node"
)

// beat is the heartbeat interval of the nodes in these tests: a revocation
// must reach the exit within one of them.
const beat = 200 * time.Millisecond

// openTunnel opens a tunnel to o through d and leaves it open, idle after
// a first write, until the exit ends it.
func openTunnel(t *testing.T, d *exitdial.Dialer, o *origin) net.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", o.Addr())
	if err != nil {
		t.Fatalf("dial origin through exit: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Write(payload(100)); err != nil {
		t.Fatalf("write through exit: %v", err)
	}
	return c
}

// wantEnded checks that the exit ended the tunnel c: the read fails
// rather than ending cleanly or timing out.
func wantEnded(t *testing.T, n *node.Node, c net.Conn) {
	t.Helper()
	waitFor(t, "the exit to end the tunnel", func() bool { return n.ActiveTunnels() == 0 })
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(c); err == nil || strings.Contains(err.Error(), "deadline") {
		t.Errorf("read from a revoked lease's tunnel: got %v, want the exit's reset", err)
	}
}

// wantRevoked checks that a new CONNECT with the lease's unexpired token
// is refused as revoked.
func wantRevoked(t *testing.T, d *exitdial.Dialer, o *origin) {
	t.Helper()
	pe := refusedDial(t, d, o)
	if pe.Status != http.StatusProxyAuthRequired || !strings.Contains(pe.Details, "revoked") {
		t.Errorf("CONNECT with a revoked lease's token: got %d %q, want %d naming the revocation",
			pe.Status, pe.Details, http.StatusProxyAuthRequired)
	}
}

// runFast starts a node that heartbeats every beat and runs it.
func runFast(t *testing.T, op *client.Client, o *origin) *node.Node {
	t.Helper()
	cfg := config(t, op, o.Addr())
	cfg.HeartbeatInterval = beat
	n := start(t, cfg)
	run(t, n)
	return n
}

// TestClosedLeaseRevokedAtHeartbeat closes a lease while a tunnel through
// its exit is open: the next heartbeat answer ends the tunnel and the
// lease's token is refused, also when the node could not reach the broker
// at the time the lease closed.
func TestClosedLeaseRevokedAtHeartbeat(t *testing.T) {
	tests := []struct {
		name    string
		offline bool // heartbeats fail while the lease closes
	}{
		{"online", false},
		{"offline when the lease closed", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMarket(t)
			o := newOrigin(t, 10)
			n := runFast(t, m.operator(), o)
			buyer := m.Buyer()
			l := buyLease(t, buyer, "DE")
			d := exitDialer(t, l)
			c := openTunnel(t, d, o)
			waitFor(t, "the tunnel to open", func() bool { return n.ActiveTunnels() == 1 })
			if tt.offline {
				// Heartbeats go one at a time: once a refused one arrives,
				// none that could carry the revocation is in flight.
				m.RefuseBeats.Store(true)
				seen := m.Heartbeats.Load()
				waitFor(t, "a refused heartbeat", func() bool { return m.Heartbeats.Load() > seen })
			}
			if _, err := buyer.CloseLease(context.Background(), l.ID); err != nil {
				t.Fatalf("close lease: %v", err)
			}
			if tt.offline {
				seen := m.Heartbeats.Load()
				waitFor(t, "two failed heartbeats", func() bool { return m.Heartbeats.Load() >= seen+2 })
				if got := n.ActiveTunnels(); got != 1 {
					t.Fatalf("tunnels while the broker is unreachable: got %d, want 1", got)
				}
				m.RefuseBeats.Store(false)
			}
			wantEnded(t, n, c)
			wantRevoked(t, d, o)
		})
	}
}

// dialerFor returns a dialer for the exit of lease l served by nodeID.
func dialerFor(t *testing.T, l *api.Lease, nodeID string) *exitdial.Dialer {
	t.Helper()
	exits, err := exitdial.FromLease(l)
	if err != nil {
		t.Fatalf("lease exits: %v", err)
	}
	for _, e := range exits {
		if e.NodeID == nodeID {
			d := exitdial.New(e, zaptest.NewLogger(t).Named("buyer"))
			t.Cleanup(func() { d.Close() })
			return d
		}
	}
	t.Fatalf("lease %s has no exit on node %s", l.ID, nodeID)
	return nil
}

// TestExhaustedLeaseRevoked uses up a two-exit lease's hold across both
// exits: the exit whose receipt exhausts it revokes it at once, and the
// other learns it at its next heartbeat and ends its open tunnel.
func TestExhaustedLeaseRevoked(t *testing.T) {
	m := newMarket(t)
	o := newOrigin(t, 10)
	op := m.operator()
	first, second := runFast(t, op, o), runFast(t, op, o)
	l, err := m.Buyer().CreateLease(context.Background(), "", api.LeaseRequest{
		Coverage: api.Coverage{Country: "DE"}, Protocols: []string{api.ProtocolQUIC},
		Exits: 2, MaxBytes: 256 << 10,
	})
	if err != nil || len(l.Exits) != 2 {
		t.Fatalf("create lease: got %+v, %v; want two exits", l, err)
	}
	d1, d2 := dialerFor(t, l, first.ID()), dialerFor(t, l, second.ID())
	c := openTunnel(t, d1, o)
	// Each exit carries a little over half the cap: under its own byte
	// cap, but together past the hold.
	exchange(t, d1, o, 140_000)
	exchange(t, d2, o, 140_000)
	if err := first.Flush(context.Background()); err != nil {
		t.Fatalf("first exit's receipts: %v", err)
	}
	if first.ActiveTunnels() != 1 {
		t.Fatalf("tunnels before exhaustion: got %d, want 1", first.ActiveTunnels())
	}
	if err := second.Flush(context.Background()); err != nil {
		t.Fatalf("second exit's receipts: %v", err)
	}
	wantRevoked(t, d2, o) // at once, from the receipt result
	wantEnded(t, first, c)
	wantRevoked(t, d1, o)
}

// TestClosedLeaseRevokedOverControlChannel closes a lease on a node whose
// heartbeats are an hour apart: the control channel carries the
// revocation at once.
func TestClosedLeaseRevokedOverControlChannel(t *testing.T) {
	m := newMarket(t)
	o := newOrigin(t, 10)
	cfg := config(t, m.operator(), o.Addr())
	cfg.HeartbeatInterval = time.Hour
	n := start(t, cfg)
	run(t, n)
	buyer := m.Buyer()
	l := buyLease(t, buyer, "DE")
	d := exitDialer(t, l)
	c := openTunnel(t, d, o)
	waitFor(t, "the tunnel to open", func() bool { return n.ActiveTunnels() == 1 })
	waitFor(t, "the control channel to answer", func() bool { return !n.Health().LastControl.IsZero() })
	beats := m.Heartbeats.Load()
	if _, err := buyer.CloseLease(context.Background(), l.ID); err != nil {
		t.Fatalf("close lease: %v", err)
	}
	wantEnded(t, n, c)
	wantRevoked(t, d, o)
	if got := m.Heartbeats.Load(); got != beats {
		t.Errorf("heartbeats during the revocation: got %d more, want none (the control channel carried it)", got-beats)
	}
	if h := n.Health(); h.ControlError != "" {
		t.Errorf("control channel error %q, want none", h.ControlError)
	}
}
