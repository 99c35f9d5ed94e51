package natdial_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/client/natdial"
	"github.com/sparelink/sparelink/internal/nattest"
	"github.com/sparelink/sparelink/internal/nodetest"
	"github.com/sparelink/sparelink/relay/punch/punchtest"
)

// TestReachExitBehindNAT runs the whole exchange on loopback: a real
// broker on SQLite, a relay with its forwarder, and a node behind "NAT"
// that answers offers over its control channel. The buyer reaches the
// node punched or through the relay, CONNECTs to a canary origin its
// egress rule allows, and both the exit and the relay meter the traffic.
func TestReachExitBehindNAT(t *testing.T) {
	m := nodetest.NewMarket(t)
	_, op := m.Operator()
	canary := punchtest.StartCanary(t, bytes.Repeat([]byte("canary!"), 5000))
	relay, relayNode := nattest.StartRelay(t, op, "", nattest.Options{Country: "FR", Punch: punchtest.Config()})
	n := nattest.StartNode(t, op, nattest.Options{Allow: []string{canary.Addr}, Punch: punchtest.Config()})
	nattest.WaitRelayed(t, n)
	buyer := m.Buyer()
	l := nodetest.BuyLease(t, buyer, "DE")
	exits, err := exitdial.FromLease(l)
	if err != nil || len(exits) != 1 || exits[0].NodeID != n.ID() {
		t.Fatalf("lease exits: got %+v, %v; want the NAT'd node", exits, err)
	}
	if signal, relay := natdial.Route(l.Exits[0]); !signal || relay == nil || relay.NodeID != relayNode.ID() {
		t.Fatalf("lease exit route: got signal %v, relay %+v; want signalling and relay %s", signal, relay, relayNode.ID())
	}
	listed, _ := m.Listed(buyer, n.ID())
	if listed.Reachability == nil || listed.Reachability.Relay == nil || listed.Reachability.Relay.NodeID != relayNode.ID() {
		t.Fatalf("listing: got reachability %+v, want the relay %s", listed.Reachability, relayNode.ID())
	}
	cases := []struct {
		name      string
		relayOnly bool
		wantKind  string
	}{
		{"punched path", false, natdial.KindPunched},
		{"relay fallback", true, natdial.KindRelayed},
	}
	var wantDown int64
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := dial(t, buyer, l.ID, exits[0], natdial.Config{RelayOnly: tc.relayOnly, Relay: listed.Reachability.Relay})
			if p.Kind != tc.wantKind {
				t.Errorf("path kind: got %s, want %s", p.Kind, tc.wantKind)
			}
			before := relay.Meter().Lease(n.ID()).Totals().Down
			fetch(t, p.Dialer, canary)
			wantDown += int64(len(canary.Body))
			nodetest.WaitFor(t, "the exit's meter", func() bool { return n.Meter().Lease(l.ID).Totals().Down == wantDown })
			relayed := relay.Meter().Lease(n.ID()).Totals().Down - before
			if tc.relayOnly && relayed <= int64(len(canary.Body)) {
				t.Errorf("relay leg: got %d bytes down, want more than the %d byte body", relayed, len(canary.Body))
			}
			if !tc.relayOnly && relayed > 1000 {
				t.Errorf("relay leg of a punched path: got %d bytes down, want next to none", relayed)
			}
		})
	}
	if got := n.Traversal.Status().Punched; got != 1 {
		t.Errorf("traversal status: got %d punched paths, want 1", got)
	}
}

func TestDialRefusals(t *testing.T) {
	m := nodetest.NewMarket(t)
	_, op := m.Operator()
	nattest.StartNode(t, op, nattest.Options{Punch: punchtest.Config()})
	buyer := m.Buyer()
	l := nodetest.BuyLease(t, buyer, "DE")
	exits, _ := exitdial.FromLease(l)
	cases := []struct {
		name string
		cfg  natdial.Config
		want error
	}{
		{"relay only but no relay anywhere", natdial.Config{Broker: buyer, LeaseID: l.ID, Exit: exits[0], RelayOnly: true}, natdial.ErrUnreachable},
		{"exit not in the lease", natdial.Config{Broker: buyer, LeaseID: "ls_missing", Exit: exits[0], Punch: punchtest.Config()}, natdial.ErrUnreachable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := natdial.Dial(context.Background(), tc.cfg, zaptest.NewLogger(t))
			if !errors.Is(err, tc.want) {
				if p != nil {
					p.Close()
				}
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func dial(t *testing.T, buyer *client.Client, leaseID string, exit exitdial.Exit, cfg natdial.Config) *natdial.Path {
	t.Helper()
	cfg.Broker, cfg.LeaseID, cfg.Exit, cfg.Punch = buyer, leaseID, exit, punchtest.Config()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := natdial.Dial(ctx, cfg, zaptest.NewLogger(t).Named("buyer"))
	if err != nil {
		t.Fatalf("natdial: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func fetch(t *testing.T, d *exitdial.Dialer, canary *punchtest.Canary) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", canary.Addr)
	if err != nil {
		t.Fatalf("dial canary: %v", err)
	}
	defer c.Close()
	got, err := io.ReadAll(c)
	if err != nil || !bytes.Equal(got, canary.Body) {
		t.Fatalf("canary: got %d bytes, err %v; want %d", len(got), err, len(canary.Body))
	}
}
