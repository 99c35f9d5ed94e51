package node_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/node"
)

// testListing is a valid listing for tests to adjust.
var testListing = node.Listing{
	Region:           api.Region{Country: "DE", Subdivision: "DE-BE", City: "Berlin"},
	ASN:              64496,
	ConnectionType:   api.ConnResidential,
	PriceMicrosPerGB: 1_000_000,
	CapacityBps:      1 << 20,
}

// config returns a node configuration for a fresh key that may reach
// allow, with timers long enough that only the test triggers them.
func config(t *testing.T, broker *client.Client, allow ...string) node.Config {
	t.Helper()
	key, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	policy, err := node.NewPolicy(allow, nil, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("NewPolicy: %v", err)
	}
	return node.Config{
		Key: key, Broker: broker, Egress: policy, Listing: testListing,
		HeartbeatInterval: time.Hour, ReceiptInterval: time.Hour,
	}
}

// start starts a node that is closed when the test ends.
func start(t *testing.T, cfg node.Config) *node.Node {
	t.Helper()
	n, err := node.Start(context.Background(), cfg, zaptest.NewLogger(t).Named("node"))
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// run runs n until the returned stop is called, which waits for Run and
// returns its error. The test's end stops it too.
func run(t *testing.T, n *node.Node) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
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
	return stop
}

func TestStartRegisters(t *testing.T) {
	tests := []struct {
		name      string
		listing   node.Listing
		advertise string
	}{
		{"home in Berlin", testListing, ""},
		{"mobile in Texas", node.Listing{
			Region: api.Region{Country: "US", Subdivision: "US-TX"}, ASN: 64511,
			ConnectionType: api.ConnMobile, PriceMicrosPerGB: 2_500_000, CapacityBps: 5_000_000,
		}, ""},
		{"advertised address", node.Listing{
			Region: api.Region{Country: "FR"}, ConnectionType: api.ConnBusiness,
			PriceMicrosPerGB: 700_000, CapacityBps: 125_000_000,
		}, "198.51.100.7:4433"},
	}
	m := newMarket(t)
	op := m.operator()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config(t, op)
			cfg.Listing, cfg.AdvertiseAddr = tt.listing, tt.advertise
			n := start(t, cfg)
			if n.ID() != cfg.Key.NodeID() {
				t.Errorf("ID: got %s, want %s", n.ID(), cfg.Key.NodeID())
			}
			checkExitAddr(t, n.ExitAddr(), tt.advertise)
			got, ok := m.Listed(op, n.ID())
			if !ok {
				t.Fatalf("node %s is not listed", n.ID())
			}
			l := tt.listing
			if got.Region != l.Region || got.ASN != l.ASN || got.ConnectionType != l.ConnectionType {
				t.Errorf("listed %+v ASN %d %s, want %+v ASN %d %s", got.Region, got.ASN, got.ConnectionType, l.Region, l.ASN, l.ConnectionType)
			}
			if got.PriceMicrosPerGB != l.PriceMicrosPerGB || got.CapacityBps != l.CapacityBps {
				t.Errorf("listed price %d capacity %d, want %d and %d", got.PriceMicrosPerGB, got.CapacityBps, l.PriceMicrosPerGB, l.CapacityBps)
			}
			if got.QUICAddr != n.ExitAddr() || got.Status != api.NodeOnline {
				t.Errorf("listed at %s status %s, want %s online", got.QUICAddr, got.Status, n.ExitAddr())
			}
			if want := base64.StdEncoding.EncodeToString(cfg.Key.Public()); got.PublicKey != want {
				t.Errorf("listed public key %s, want %s", got.PublicKey, want)
			}
			if got.EgressSummary != cfg.Egress.Summary() {
				t.Errorf("listed egress %q, want %q", got.EgressSummary, cfg.Egress.Summary())
			}
		})
	}
}

// checkExitAddr checks that addr is the advertised address, or a loopback
// port when none is advertised.
func checkExitAddr(t *testing.T, addr, advertise string) {
	t.Helper()
	if advertise != "" {
		if addr != advertise {
			t.Errorf("ExitAddr: got %s, want the advertised %s", addr, advertise)
		}
		return
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host != "127.0.0.1" || port == "0" {
		t.Errorf("ExitAddr: got %q, want a bound port on 127.0.0.1", addr)
	}
}

func TestStartErrors(t *testing.T) {
	m := newMarket(t)
	op := m.operator()
	_, buyerKey := m.Account(api.KindBuyer, "Not An Operator")
	dead := deadURL(t)
	tests := []struct {
		name   string
		adjust func(*node.Config)
		want   string
	}{
		{"no key", func(c *node.Config) { c.Key = identity.Key{} }, "Key, Broker and Egress are required"},
		{"no broker", func(c *node.Config) { c.Broker = nil }, "Key, Broker and Egress are required"},
		{"no egress", func(c *node.Config) { c.Egress = nil }, "Key, Broker and Egress are required"},
		{"broker down", func(c *node.Config) {
			c.Broker = client.New(dead, "sl_op_unused", client.WithRetry(1, time.Millisecond))
		}, "fetch broker token keys"},
		{"buyer key", func(c *node.Config) { c.Broker = client.New(m.URL, buyerKey) }, "register node"},
		{"zero capacity", func(c *node.Config) { c.Listing.CapacityBps = 0 }, "capacity_bps"},
		{"no country", func(c *node.Config) { c.Listing.Region = api.Region{} }, "register node"},
		{"busy port", func(c *node.Config) { c.ListenQUIC = busyUDP(t) }, "start exit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config(t, op)
			tt.adjust(&cfg)
			n, err := node.Start(context.Background(), cfg, zaptest.NewLogger(t))
			if err == nil {
				n.Close()
				t.Fatalf("Start: got a node, want an error mentioning %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Start: got %q, want it to mention %q", err, tt.want)
			}
			if cfg.Key.Private != nil {
				if _, listed := m.Listed(op, cfg.Key.NodeID()); listed {
					t.Errorf("failed Start left node %s listed", cfg.Key.NodeID())
				}
			}
		})
	}
}

// deadURL is the URL of a loopback port nothing listens on.
func deadURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// busyUDP returns a loopback UDP address another socket holds until the
// test ends.
func busyUDP(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc.LocalAddr().String()
}
