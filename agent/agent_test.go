package agent_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/agent"
	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/relay/egress"
)

// ownerCap is the owner's rate cap in the tests. The line is far faster,
// so the cap is what the agent offers whatever else the host does.
const ownerCap = 2_000_000

// agentConfig is a home agent in Amsterdam that may reach allow, with
// timers long enough that only the test triggers them.
func agentConfig(m *market, key, dataDir string, allow ...string) agent.Config {
	return agent.Config{
		DataDir:           dataDir,
		BrokerURL:         m.URL,
		OperatorKey:       key,
		Region:            api.Region{Country: "NL", Subdivision: "NL-NH", City: "Amsterdam"},
		ASN:               64500,
		LinkUpBps:         1_000_000_000,
		LinkDownBps:       1_000_000_000,
		MaxRateBps:        ownerCap,
		EgressAllow:       allow,
		HeartbeatInterval: time.Hour,
		ReceiptInterval:   time.Hour,
	}
}

// startAgent starts an agent and runs it until stop is called or the test
// ends; stop waits for Run and returns its error.
func startAgent(t *testing.T, cfg agent.Config) (a *agent.Agent, stop func() error) {
	t.Helper()
	a, err := agent.Start(context.Background(), cfg, zaptest.NewLogger(t).Named("agent"))
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	var stopped atomic.Bool
	var result error
	stop = func() error {
		if stopped.Swap(true) {
			return result
		}
		cancel()
		select {
		case result = <-done:
		case <-time.After(15 * time.Second):
			result = errors.New("Run did not return after its context ended")
		}
		return result
	}
	t.Cleanup(func() { _ = stop() })
	return a, stop
}

func TestStartRefusesBadConfig(t *testing.T) {
	m := newMarket(t)
	key, _ := m.Operator()
	_, buyerKey := m.Account(api.KindBuyer, "Not An Operator")
	tests := []struct {
		name    string
		adjust  func(*agent.Config)
		want    string
		invalid bool // the error wraps egress.ErrInvalidRule
	}{
		{"no data dir", func(c *agent.Config) { c.DataDir = "" }, "data dir and broker URL are required", false},
		{"no broker URL", func(c *agent.Config) { c.BrokerURL = "" }, "data dir and broker URL are required", false},
		{"no operator key", func(c *agent.Config) { c.OperatorKey = "" }, "no operator key given and none paired", false},
		{"bad allow rule", func(c *agent.Config) { c.EgressAllow = []string{"localhost:80"} }, `egress allow rule "localhost:80"`, true},
		{"bad deny rule", func(c *agent.Config) { c.EgressDeny = []string{"10.0.0.0/33"} }, `egress deny rule "10.0.0.0/33"`, true},
		{"allow rule port", func(c *agent.Config) { c.EgressAllow = []string{"127.0.0.1:70000"} }, `egress allow rule "127.0.0.1:70000"`, true},
		{"buyer key", func(c *agent.Config) { c.OperatorKey = buyerKey }, "register node", false},
		{"no country", func(c *agent.Config) { c.Region = api.Region{} }, "register node", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := agentConfig(m, key, t.TempDir())
			tt.adjust(&cfg)
			a, err := agent.Start(context.Background(), cfg, zaptest.NewLogger(t))
			if err == nil {
				stopIdle(a)
				t.Fatalf("Start: got an agent, want an error mentioning %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Start: got %q, want it to mention %q", err, tt.want)
			}
			if got := errors.Is(err, egress.ErrInvalidRule); got != tt.invalid {
				t.Errorf("Start: got %v, want errors.Is(err, egress.ErrInvalidRule) = %v", err, tt.invalid)
			}
		})
	}
}

// stopIdle stops an agent that was never run: Run with an ended context
// uploads what is left and closes the exit.
func stopIdle(a *agent.Agent) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = a.Run(ctx)
}

func TestStartRefusesOpenKeyFile(t *testing.T) {
	m := newMarket(t)
	key, _ := m.Operator()
	dir := t.TempDir()
	k, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, agent.KeyFile)
	if err := k.Save(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := agent.Start(context.Background(), agentConfig(m, key, dir), zaptest.NewLogger(t))
	if err == nil {
		stopIdle(a)
		t.Fatalf("Start with a world-readable key: got an agent, want an error")
	}
	if !strings.Contains(err.Error(), "too open") {
		t.Errorf("Start: got %q, want a permissions error", err)
	}
}

func TestRegistersAndHeartbeats(t *testing.T) {
	m := newMarket(t)
	key, op := m.Operator()
	cfg := agentConfig(m, key, t.TempDir())
	cfg.HeartbeatInterval = 20 * time.Millisecond
	a, stop := startAgent(t, cfg)
	waitFor(t, "three heartbeats", func() bool { return m.Heartbeats.Load() >= 3 })
	got, ok := m.Listed(op, a.NodeID())
	if !ok {
		t.Fatalf("node %s is not listed", a.NodeID())
	}
	if got.Status != api.NodeOnline || got.Region != cfg.Region || got.ASN != cfg.ASN {
		t.Errorf("listed %s in %+v ASN %d, want online in %+v ASN %d", got.Status, got.Region, got.ASN, cfg.Region, cfg.ASN)
	}
	if got.ConnectionType != api.ConnResidential || got.PriceMicrosPerGB != 1_000_000 {
		t.Errorf("listed %s at %d per GB, want the defaults residential at 1000000", got.ConnectionType, got.PriceMicrosPerGB)
	}
	if got.QUICAddr != a.ExitAddr() {
		t.Errorf("listed exit %s, want %s", got.QUICAddr, a.ExitAddr())
	}
	if got.SpareBps <= 0 || got.SpareBps > ownerCap || got.CapacityBps != ownerCap {
		t.Errorf("listed spare %d capacity %d, want spare in (0, %d] and capacity at the owner's cap", got.SpareBps, got.CapacityBps, ownerCap)
	}
	if snap := a.Capacity(); snap.SpareBps <= ownerCap {
		t.Errorf("Capacity: got spare %d, want the line's, above the owner's cap %d", snap.SpareBps, ownerCap)
	}
	if d := a.Decision(); d.SpareBps != ownerCap || d.CapBps != ownerCap {
		t.Errorf("Decision: got spare %d cap %d, want both at the owner's cap %d", d.SpareBps, d.CapBps, ownerCap)
	}
	if c := got.OwnerCaps; c == nil || c.MaxUpBps != ownerCap || c.MaxDownBps != ownerCap {
		t.Errorf("listed owner caps %+v, want up and down at the owner's cap %d", c, ownerCap)
	}
	if l := got.LinkReported; l == nil || l.UpBps != cfg.LinkUpBps || l.DownBps != cfg.LinkDownBps {
		t.Errorf("listed line %+v, want the configured %d up and %d down", l, cfg.LinkUpBps, cfg.LinkDownBps)
	}
	if !got.Available || got.UnavailableReason != "" {
		t.Errorf("listed available %v (%q), want available", got.Available, got.UnavailableReason)
	}
	if err := stop(); err != nil {
		t.Errorf("Run: got %v, want nil after cancel", err)
	}
}

func TestLineProbeAgainstTheBroker(t *testing.T) {
	m := newMarket(t)
	key, op := m.Operator()
	cfg := agentConfig(m, key, t.TempDir())
	cfg.ProbeDelay = 10 * time.Millisecond
	a, _ := startAgent(t, cfg)
	waitFor(t, "the broker to list its measurement of the line", func() bool {
		n, ok := m.Listed(op, a.NodeID())
		return ok && n.LinkMeasured != nil && n.LinkMeasured.UpBps > 0 && n.LinkMeasured.DownBps > 0
	})
}

func TestKeyFileKeptAcrossRestarts(t *testing.T) {
	m := newMarket(t)
	key, op := m.Operator()
	dir := t.TempDir()
	a1, stop := startAgent(t, agentConfig(m, key, dir))
	path := filepath.Join(dir, agent.KeyFile)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("key file: %v", err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("key file mode: got %o, want 600", got)
	}
	stored, err := identity.Load(path)
	if err != nil {
		t.Fatalf("load key file: %v", err)
	}
	if stored.NodeID() != a1.NodeID() {
		t.Errorf("key file holds node %s, agent runs as %s", stored.NodeID(), a1.NodeID())
	}
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	a2, _ := startAgent(t, agentConfig(m, key, dir))
	if a2.NodeID() != a1.NodeID() {
		t.Errorf("node ID after restart: got %s, want %s", a2.NodeID(), a1.NodeID())
	}
	list, err := op.Nodes(context.Background(), client.NodeQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Nodes) != 1 || list.Nodes[0].QUICAddr != a2.ExitAddr() {
		t.Errorf("nodes after restart: got %+v, want one at %s", list.Nodes, a2.ExitAddr())
	}
}
