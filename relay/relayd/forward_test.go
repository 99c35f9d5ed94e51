package relayd_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/client/natdial"
	"github.com/sparelink/sparelink/internal/nattest"
	"github.com/sparelink/sparelink/relay/punch/punchtest"
	"github.com/sparelink/sparelink/relay/relayd"
)

// TestForwarder runs a relay with its forwarder: the broker assigns it to
// an agent behind NAT, the agent registers, and a buyer reaches the
// agent's exit through it, metered on the relay's leg.
func TestForwarder(t *testing.T) {
	m := newMarket(t)
	key, op := m.Operator()
	relay := startRelay(t, relayConfig(m, key, t.TempDir()))
	fw, err := relayd.StartForwarder(relay, relayd.ForwardConfig{Listen: "127.0.0.1:0"}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("StartForwarder: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); fw.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; fw.Close() })
	waitFor(t, "the forwarder's advertisement", func() bool {
		n, ok := m.Listed(op, relay.ID())
		return ok && n.Reachability != nil && n.Reachability.Forwarder == fw.Addr().String()
	})
	o := newOrigin(t, 50_000)
	agent := nattest.StartNode(t, op, nattest.Options{Country: "DE", Allow: []string{o.Addr()}, Punch: punchtest.Config()})
	nattest.WaitRelayed(t, agent)
	buyer := m.Buyer()
	l := buyLease(t, buyer, "DE")
	exits, err := exitdial.FromLease(l)
	if err != nil || len(exits) != 1 {
		t.Fatalf("lease exits: %+v, %v", exits, err)
	}
	dctx, dcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer dcancel()
	listed, _ := m.Listed(buyer, agent.ID())
	p, err := natdial.Dial(dctx, natdial.Config{Broker: buyer, LeaseID: l.ID, Exit: exits[0], RelayOnly: true,
		Relay: listed.Reachability.Relay}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("natdial: %v", err)
	}
	defer p.Close()
	exchange(t, p.Dialer, o, 2000)
	if got := fw.Meter().Lease(agent.ID()).Totals(); got.Down <= 50_000 || got.Up <= 2000 {
		t.Errorf("forwarder leg: got %+v, want more than the 2000 bytes up and 50000 down carried", got)
	}
}

func TestForwarderRefusesWildcardWithoutAdvertise(t *testing.T) {
	m := newMarket(t)
	key, _ := m.Operator()
	relay := startRelay(t, relayConfig(m, key, t.TempDir()))
	cases := []struct {
		name string
		cfg  relayd.ForwardConfig
	}{
		{"no listen address", relayd.ForwardConfig{}},
		{"wildcard without advertise", relayd.ForwardConfig{Listen: "0.0.0.0:0"}},
		{"advertise that does not resolve", relayd.ForwardConfig{Listen: "127.0.0.1:0", Advertise: "no-such-host.invalid:1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fw, err := relayd.StartForwarder(relay, tc.cfg, zaptest.NewLogger(t))
			if err == nil {
				fw.Close()
				t.Fatalf("got a forwarder, want an error")
			}
		})
	}
}
