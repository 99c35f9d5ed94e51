package node_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/internal/node"
	"github.com/sparelink/sparelink/relay/egress"
)

// refusedDial dials o through d and checks the exit refuses the CONNECT.
func refusedDial(t *testing.T, d *exitdial.Dialer, o *origin) *exitdial.ProxyError {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", o.Addr())
	if err == nil {
		c.Close()
		t.Fatalf("dial through a refusing exit: got a connection, want a refusal")
	}
	var pe *exitdial.ProxyError
	if !errors.As(err, &pe) {
		t.Fatalf("dial through a refusing exit: got %v, want a ProxyError", err)
	}
	return pe
}

func TestRefuseAndServeAgain(t *testing.T) {
	m := newMarket(t)
	o := newOrigin(t, 1000)
	n := start(t, config(t, m.operator(), o.Addr()))
	d := exitDialer(t, buyLease(t, m.Buyer(), "DE"))
	exchange(t, d, o, 10)

	const reason = "the owner paused this exit"
	n.Refuse(reason)
	if got := n.Refusal(); got != reason {
		t.Errorf("Refusal: got %q, want %q", got, reason)
	}
	pe := refusedDial(t, d, o)
	if pe.Status != http.StatusServiceUnavailable || pe.Type != "http_request_denied" || pe.Details != reason {
		t.Errorf("refusal: got %d %s %q, want 503 http_request_denied with the owner's reason %q, so gateways try another exit and buyers learn why",
			pe.Status, pe.Type, pe.Details, reason)
	}
	n.Refuse("")
	if got := n.Refusal(); got != "" {
		t.Errorf("Refusal after serving again: got %q, want none", got)
	}
	exchange(t, d, o, 10)
}

func TestStartRefusing(t *testing.T) {
	m := newMarket(t)
	o := newOrigin(t, 10)
	cfg := config(t, m.operator(), o.Addr())
	cfg.Refusal = "this exit is outside its owner's sharing hours"
	n := start(t, cfg)
	if got := n.Refusal(); got != cfg.Refusal {
		t.Errorf("Refusal: got %q, want %q", got, cfg.Refusal)
	}
	refusedDial(t, exitDialer(t, buyLease(t, m.Buyer(), "DE")), o)
}

func TestEndTunnels(t *testing.T) {
	m := newMarket(t)
	o := newOrigin(t, 10)
	n := start(t, config(t, m.operator(), o.Addr()))
	d := exitDialer(t, buyLease(t, m.Buyer(), "DE"))
	c, err := d.DialContext(context.Background(), "tcp", o.Addr())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	if _, err := c.Write(payload(100)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the tunnel to open", func() bool { return n.ActiveTunnels() == 1 })
	if got := n.EndTunnels(); got != 1 {
		t.Errorf("EndTunnels: got %d, want 1", got)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(c); err == nil {
		t.Errorf("read from an ended tunnel: got a clean end, want an error")
	}
	waitFor(t, "no tunnels", func() bool { return n.ActiveTunnels() == 0 })
	if got := n.EndTunnels(); got != 0 {
		t.Errorf("EndTunnels with none open: got %d, want 0", got)
	}
}

func TestSetEgressAndRegister(t *testing.T) {
	m := newMarket(t)
	op := m.operator()
	first, second := newOrigin(t, 10), newOrigin(t, 10)
	n := start(t, config(t, op, first.Addr()))
	d := exitDialer(t, buyLease(t, m.Buyer(), "DE"))
	exchange(t, d, first, 1)

	p, err := node.Rules{Allow: []string{second.Addr()}, Deny: []string{"198.51.100.0/24"}}.Policy(zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	n.SetEgress(p)
	n.SetEgress(nil) // ignored
	if n.Egress() != p {
		t.Fatalf("Egress: got another policy than the one set")
	}
	if pe := refusedDial(t, d, first); pe.Type != "destination_ip_prohibited" {
		t.Errorf("dial the origin no longer allowed: got %q, want destination_ip_prohibited", pe.Type)
	}
	exchange(t, d, second, 1)

	if err := n.Register(context.Background(), 3_000_000); err != nil {
		t.Fatalf("Register: %v", err)
	}
	got, _ := m.Listed(op, n.ID())
	if got.EgressSummary != p.Summary() || got.CapacityBps != 3_000_000 {
		t.Errorf("listed egress %q capacity %d, want %q and 3000000", got.EgressSummary, got.CapacityBps, p.Summary())
	}
	if !n.Health().Registered {
		t.Errorf("Health: not registered after Register")
	}
}

func TestRulesWebOnly(t *testing.T) {
	o := newOrigin(t, 10)
	port := netip.MustParseAddrPort(o.Addr()).Port()
	tests := []struct {
		name    string
		rules   node.Rules
		wantErr error
	}{
		{"loopback allowed", node.Rules{Allow: []string{"127.0.0.0/8"}}, nil},
		{"web only closes other ports", node.Rules{Allow: []string{"127.0.0.0/8"}, WebOnly: true}, egress.ErrDenied},
		{"a port rule reopens one", node.Rules{Allow: []string{o.Addr()}, WebOnly: true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := tt.rules.Policy(zaptest.NewLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			err = p.CheckAddr(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port))
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("CheckAddr(port %d): got %v, want %v", port, err, tt.wantErr)
			}
		})
	}
}

func TestSetMaxRateShapes(t *testing.T) {
	m := newMarket(t)
	const down = 600 << 10
	o := newOrigin(t, down)
	cfg := config(t, m.operator(), o.Addr())
	cfg.MaxRateBps = 1 << 30
	n := start(t, cfg)
	if got := n.MaxRate(); got != 1<<30 {
		t.Errorf("MaxRate from Config: got %d, want %d", got, 1<<30)
	}
	d := exitDialer(t, buyLease(t, m.Buyer(), "DE"))
	const rate = 300 << 10
	n.SetMaxRate(rate)
	if got := n.MaxRate(); got != rate {
		t.Errorf("MaxRate: got %d, want %d", got, rate)
	}
	begin := time.Now()
	exchange(t, d, o, 1)
	// 600 KiB at 300 KiB/s, less the bucket's burst, takes over 1.5s.
	if took := time.Since(begin); took < 1500*time.Millisecond {
		t.Errorf("600 KiB under a 300 KiB/s cap took %s, want at least 1.5s", took)
	}
	n.SetMaxRate(-5)
	if got := n.MaxRate(); got != 0 {
		t.Errorf("MaxRate after a negative cap: got %d, want 0 (none)", got)
	}
	begin = time.Now()
	exchange(t, d, o, 1)
	if took := time.Since(begin); took > 1500*time.Millisecond {
		t.Errorf("600 KiB without a cap took %s, want well under 1.5s", took)
	}
}

func TestHeartbeatNowAndHealth(t *testing.T) {
	m := newMarket(t)
	cfg := config(t, m.operator())
	cfg.Spare = func() int64 { return 5555 }
	n := start(t, cfg)
	if h := n.Health(); !h.Registered || !h.LastHeartbeat.IsZero() {
		t.Errorf("Health before Run: got %+v, want registered without heartbeats", h)
	}
	run(t, n)
	waitFor(t, "the first heartbeat", func() bool { return m.Heartbeats.Load() == 1 })
	n.HeartbeatNow()
	waitFor(t, "the requested heartbeat", func() bool { return m.Heartbeats.Load() == 2 })
	waitFor(t, "Health to record it", func() bool { return !n.Health().LastHeartbeat.IsZero() })
	if h := n.Health(); h.SpareBps != 5555 || h.HeartbeatError != "" {
		t.Errorf("Health: got %+v, want spare 5555 and no error", h)
	}
}

func TestHeartbeatErrorInHealth(t *testing.T) {
	m := newMarket(t)
	n := start(t, config(t, m.operator()))
	m.RefuseBeats.Store(true)
	run(t, n)
	waitFor(t, "a failed heartbeat", func() bool { return n.Health().HeartbeatError != "" })
	if h := n.Health(); !h.LastHeartbeat.IsZero() {
		t.Errorf("Health: got a heartbeat at %s, want none accepted", h.LastHeartbeat)
	}
	m.RefuseBeats.Store(false)
	n.HeartbeatNow()
	waitFor(t, "a heartbeat to clear the error", func() bool { return n.Health().HeartbeatError == "" })
}
