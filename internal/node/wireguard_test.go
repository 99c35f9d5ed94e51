package node_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/node"
	"github.com/sparelink/sparelink/relay/wgexit/wgtest"
)

// startWireGuardNode runs a node with a WireGuard exit whose egress
// allows exactly the canary.
func startWireGuardNode(t *testing.T, m *market, canary *wgtest.Canary) *node.Node {
	t.Helper()
	cfg := config(t, m.operator(), canary.Addr)
	key, err := identity.GenerateWireGuard()
	if err != nil {
		t.Fatal(err)
	}
	cfg.WireGuard = &node.WireGuard{Key: key}
	n := start(t, cfg)
	run(t, n)
	return n
}

// wireGuardLease buys a WireGuard lease and returns the buyer's
// completed configuration for its exit.
func wireGuardLease(t *testing.T, buyer *client.Client) (*api.Lease, string) {
	t.Helper()
	private, public, err := client.NewWireGuardKey()
	if err != nil {
		t.Fatal(err)
	}
	l, err := buyer.CreateLease(context.Background(), "wg-"+t.Name(), api.LeaseRequest{
		Protocols: []string{api.ProtocolWireGuard}, WireGuardPublicKey: public, MaxBytes: 64 << 20,
	})
	if err != nil {
		t.Fatalf("create lease: %v", err)
	}
	if len(l.Exits) != 1 || l.Exits[0].WireGuard == nil {
		t.Fatalf("lease exits %+v, want one with WireGuard credentials", l.Exits)
	}
	conf, err := client.WireGuardConfig(l.Exits[0].WireGuard, private)
	if err != nil {
		t.Fatalf("complete config: %v", err)
	}
	return l, conf
}

// fetch downloads n bytes from the canary through the tunnel.
func fetch(b *wgtest.Buyer, canary *wgtest.Canary, n int) (int64, error) {
	resp, err := b.HTTPClient(10 * time.Second).Get(fmt.Sprintf("%s/bytes/%d", canary.URL, n))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return io.Copy(io.Discard, resp.Body)
}

// TestWireGuardLease buys a WireGuard lease from a node and uses it with
// a stock WireGuard implementation: the control channel admits the
// buyer's key, traffic is metered for the lease, and closing the lease
// removes the peer.
func TestWireGuardLease(t *testing.T) {
	m := newMarket(t)
	canary := wgtest.StartCanary(t)
	n := startWireGuardNode(t, m, canary)
	listed, ok := m.Listed(m.operator(), n.ID())
	if !ok || listed.WireGuardAddr != n.WireGuardAddr() || listed.WireGuardPublicKey == "" {
		t.Fatalf("listing %+v, want the WireGuard exit at %s", listed, n.WireGuardAddr())
	}
	buyer := m.Buyer()
	l, conf := wireGuardLease(t, buyer)
	b := wgtest.Connect(t, conf)
	const size = 100_000
	var got int64
	waitFor(t, "a download through the tunnel", func() bool {
		var err error
		got, err = fetch(b, canary, size)
		return err == nil
	})
	if got != size {
		t.Fatalf("downloaded %d bytes, want %d", got, size)
	}
	waitFor(t, "the meter to count the download", func() bool {
		return n.Meter().Lease(l.ID).Totals().Down == canary.Written()
	})
	if up := n.Meter().Lease(l.ID).Totals().Up; up != canary.Read() {
		t.Errorf("metered up %d, want the canary's %d", up, canary.Read())
	}

	if _, err := buyer.CloseLease(context.Background(), l.ID); err != nil {
		t.Fatalf("close lease: %v", err)
	}
	waitFor(t, "downloads to fail once the lease is closed", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		c, err := b.Dial(ctx, canary.Addr)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	before := n.Meter().Lease(l.ID).Totals()
	if _, err := fetch(b, canary, size); err == nil {
		t.Errorf("download through a closed lease's tunnel succeeded")
	}
	if after := n.Meter().Lease(l.ID).Totals(); after != before {
		t.Errorf("meter moved from %+v to %+v after the close", before, after)
	}
}

// TestWireGuardPeersSyncAfterRestart restarts a node with the same keys:
// it fetches the peers of its active leases from the broker, so the
// buyer's configuration keeps working without a new command.
func TestWireGuardPeersSyncAfterRestart(t *testing.T) {
	m := newMarket(t)
	canary := wgtest.StartCanary(t)
	cfg := config(t, m.operator(), canary.Addr)
	key, err := identity.GenerateWireGuard()
	if err != nil {
		t.Fatal(err)
	}
	cfg.WireGuard = &node.WireGuard{Key: key}
	first := start(t, cfg)
	stop := run(t, first)
	_, conf := wireGuardLease(t, m.Buyer())
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	addr := first.WireGuardAddr()
	first.Close()

	cfg.WireGuard.ListenAddr, cfg.ListenQUIC = addr, "127.0.0.1:0"
	second := start(t, cfg)
	run(t, second)
	b := wgtest.Connect(t, conf)
	waitFor(t, "a download through the restarted exit", func() bool {
		got, err := fetch(b, canary, 1000)
		return err == nil && got == 1000
	})
}
