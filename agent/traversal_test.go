package agent_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/agent"
	"github.com/sparelink/sparelink/agent/reach"
	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/client/natdial"
	"github.com/sparelink/sparelink/internal/nattest"
	"github.com/sparelink/sparelink/relay/punch/punchtest"
)

// TestTraversal runs an agent behind "carrier-grade NAT" with punching on:
// its status shows the relay the broker assigned, and a buyer reaches its
// exit over a punched path through the broker's signalling.
func TestTraversal(t *testing.T) {
	m := newMarket(t)
	key, op := m.Operator()
	nattest.StartRelay(t, op, "", nattest.Options{Country: "FR", Punch: punchtest.Config()})
	o := newOrigin(t, 40_000)
	checker := reach.New(reach.Config{DisablePortMapping: true, Addrs: func() ([]reach.IfaceAddr, error) {
		return []reach.IfaceAddr{{Iface: "wan0", Addr: netip.MustParseAddr("100.64.7.9")}}, nil
	}}, zaptest.NewLogger(t))
	punchCfg := punchtest.Config()
	a := startOwned(t, m, key, func(c *agent.Config) { c.Reach, c.Punch = checker, &punchCfg }, o.Addr())
	waitFor(t, "the relay connection in the status", func() bool {
		st, err := a.api.Status(context.Background())
		return err == nil && st.Traversal != nil && st.Traversal.RelayConnected && st.Traversal.Path == "punch"
	})
	buyer := m.Buyer()
	l := buyLease(t, buyer, "NL")
	exits, err := exitdial.FromLease(l)
	if err != nil || len(exits) != 1 || exits[0].NodeID != a.NodeID() {
		t.Fatalf("lease exits: %+v, %v; want the agent", exits, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := natdial.Dial(ctx, natdial.Config{Broker: buyer, LeaseID: l.ID, Exit: exits[0], Punch: punchtest.Config()}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("natdial: %v", err)
	}
	defer p.Close()
	if p.Kind != natdial.KindPunched {
		t.Errorf("path: got %s, want %s", p.Kind, natdial.KindPunched)
	}
	exchange(t, p.Dialer, o, 1000)
	st, err := a.api.Status(ctx)
	if err != nil || st.Traversal.Punched != 1 {
		t.Errorf("status after the exchange: got %+v, %v; want one punched path", st.Traversal, err)
	}
}
