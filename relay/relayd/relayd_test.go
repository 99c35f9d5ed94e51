package relayd_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/node"
	"github.com/sparelink/sparelink/relay/egress"
	"github.com/sparelink/sparelink/relay/relayd"
)

// relayConfig is an ISP relay in Lisbon that may reach allow.
func relayConfig(m *market, key, dataDir string, allow ...string) relayd.Config {
	return relayd.Config{
		DataDir:           dataDir,
		BrokerURL:         m.URL,
		OperatorKey:       key,
		Region:            api.Region{Country: "PT", Subdivision: "PT-11", City: "Lisbon"},
		ASN:               64502,
		EgressAllow:       allow,
		HeartbeatInterval: time.Hour,
	}
}

// startRelay starts a relay that is closed when the test ends.
func startRelay(t *testing.T, cfg relayd.Config) *node.Node {
	t.Helper()
	n, err := relayd.Start(context.Background(), cfg, zaptest.NewLogger(t).Named("relay"))
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

func TestStartRegisters(t *testing.T) {
	tests := []struct {
		name     string
		adjust   func(*relayd.Config)
		conn     string
		price    int64
		capacity int64
		addr     string // advertised exit address; empty: the bound one
	}{
		{"defaults", func(*relayd.Config) {}, api.ConnBusiness, 800_000, 125_000_000, ""},
		{"datacenter with public address", func(c *relayd.Config) {
			c.ConnectionType = api.ConnDatacenter
			c.PriceMicrosPerGB = 450_000
			c.CapacityBps = 1_250_000_000
			c.Advertise = "203.0.113.10:443"
		}, api.ConnDatacenter, 450_000, 1_250_000_000, "203.0.113.10:443"},
	}
	m := newMarket(t)
	key, op := m.Operator()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := relayConfig(m, key, t.TempDir())
			tt.adjust(&cfg)
			n := startRelay(t, cfg)
			got, ok := m.Listed(op, n.ID())
			if !ok {
				t.Fatalf("relay %s is not listed", n.ID())
			}
			if got.Status != api.NodeOnline || got.Region != cfg.Region || got.ASN != cfg.ASN {
				t.Errorf("listed %s in %+v ASN %d, want online in %+v ASN %d", got.Status, got.Region, got.ASN, cfg.Region, cfg.ASN)
			}
			if got.ConnectionType != tt.conn || got.PriceMicrosPerGB != tt.price || got.CapacityBps != tt.capacity {
				t.Errorf("listed %s at %d per GB for %d B/s, want %s at %d for %d",
					got.ConnectionType, got.PriceMicrosPerGB, got.CapacityBps, tt.conn, tt.price, tt.capacity)
			}
			if want := n.ExitAddr(); got.QUICAddr != want || (tt.addr != "" && want != tt.addr) {
				t.Errorf("listed exit %s, node exit %s, want %q when advertised", got.QUICAddr, want, tt.addr)
			}
		})
	}
}

func TestStartRefusesBadConfig(t *testing.T) {
	m := newMarket(t)
	key, _ := m.Operator()
	tests := []struct {
		name    string
		adjust  func(*relayd.Config)
		want    string
		invalid bool // the error wraps egress.ErrInvalidRule
	}{
		{"no data dir", func(c *relayd.Config) { c.DataDir = "" }, "data dir, broker URL and operator key are required", false},
		{"no broker URL", func(c *relayd.Config) { c.BrokerURL = "" }, "data dir, broker URL and operator key are required", false},
		{"no operator key", func(c *relayd.Config) { c.OperatorKey = "" }, "data dir, broker URL and operator key are required", false},
		{"bad allow rule", func(c *relayd.Config) { c.EgressAllow = []string{"192.0.2.1/24"} }, `egress allow rule "192.0.2.1/24"`, true},
		{"bad deny rule", func(c *relayd.Config) { c.EgressDeny = []string{"fe80::1%eth0"} }, `egress deny rule "fe80::1%eth0"`, true},
		{"unknown connection type", func(c *relayd.Config) { c.ConnectionType = "satellite" }, "connection_type", false},
		{"negative capacity", func(c *relayd.Config) { c.CapacityBps = -1 }, "capacity_bps", false},
		{"wildcard listen without advertise", func(c *relayd.Config) { c.Listen = "0.0.0.0:0" }, "needs an advertised address", false},
		{"advertise without port", func(c *relayd.Config) { c.Advertise = "relay.example.net" }, "advertised address", false},
		{"certificate without key", func(c *relayd.Config) { c.TLSCertFile = "relay.pem" }, "--tls-cert and --tls-key go together", false},
		{"missing certificate files", func(c *relayd.Config) { c.TLSCertFile, c.TLSKeyFile = "none.pem", "none.key" }, "load TLS certificate", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := relayConfig(m, key, t.TempDir())
			tt.adjust(&cfg)
			n, err := relayd.Start(context.Background(), cfg, zaptest.NewLogger(t))
			if err == nil {
				n.Close()
				t.Fatalf("Start: got a relay, want an error mentioning %q", tt.want)
			}
			if n != nil {
				t.Errorf("Start: got a node with error %v, want nil", err)
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

func TestKeyFileKeptAcrossRestarts(t *testing.T) {
	m := newMarket(t)
	key, op := m.Operator()
	dir := t.TempDir()
	n1, err := relayd.Start(context.Background(), relayConfig(m, key, dir), zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	first := n1.ID()
	if err := n1.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	path := filepath.Join(dir, "node.key")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("key file: %v", err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("key file mode: got %o, want 600", got)
	}
	if stored, err := identity.Load(path); err != nil || stored.NodeID() != first {
		t.Errorf("key file: got node %s, err %v; want %s", stored.NodeID(), err, first)
	}
	n2 := startRelay(t, relayConfig(m, key, dir))
	if n2.ID() != first {
		t.Errorf("node ID after restart: got %s, want %s", n2.ID(), first)
	}
	list, err := op.Nodes(context.Background(), client.NodeQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Nodes) != 1 || list.Nodes[0].QUICAddr != n2.ExitAddr() {
		t.Errorf("nodes after restart: got %+v, want one at %s", list.Nodes, n2.ExitAddr())
	}
}

func TestWebOnlyIsListed(t *testing.T) {
	m := newMarket(t)
	key, op := m.Operator()
	cfg := relayConfig(m, key, t.TempDir())
	cfg.EgressWebOnly = true
	n := startRelay(t, cfg)
	policy, err := node.Rules{WebOnly: true}.Policy(zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	got, ok := m.Listed(op, n.ID())
	if !ok || got.EgressSummary != policy.Summary() {
		t.Errorf("listed egress summary: got %q, want %q", got.EgressSummary, policy.Summary())
	}
}
