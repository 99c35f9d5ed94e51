package relayd_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/node"
	"github.com/sparelink/sparelink/metering/billing"
	"github.com/sparelink/sparelink/metering/meter"
)

// runRelay runs n until stop is called or the test ends; stop waits for
// Run and returns its error.
func runRelay(t *testing.T, n *node.Node) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	var result error
	stopped := false
	stop = func() error {
		if stopped {
			return result
		}
		stopped = true
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

// checkUsage checks that the broker settled exactly want for the lease's
// only exit, node.
func checkUsage(t *testing.T, buyer *client.Client, leaseID, node string, price int64, want meter.Totals) {
	t.Helper()
	u, err := buyer.Usage(context.Background(), leaseID)
	if err != nil {
		t.Fatalf("usage: %v", err)
	}
	if len(u.Exits) != 1 {
		t.Fatalf("usage: got %d exits, want 1: %+v", len(u.Exits), u)
	}
	e := u.Exits[0]
	if e.NodeID != node || e.BytesUp != want.Up || e.BytesDown != want.Down {
		t.Errorf("usage: got node %s up %d down %d, want node %s up %d down %d",
			e.NodeID, e.BytesUp, e.BytesDown, node, want.Up, want.Down)
	}
	if charge := billing.Charge(want.Sum(), price); u.ChargedMicros != charge {
		t.Errorf("charged: got %d micros, want %d", u.ChargedMicros, charge)
	}
}

func TestRelayCarriesAndSettlesTraffic(t *testing.T) {
	m := newMarket(t)
	key, op := m.Operator()
	o := newOrigin(t, 512<<10)
	cfg := relayConfig(m, key, t.TempDir(), o.Addr())
	cfg.CapacityBps = 50_000_000
	cfg.HeartbeatInterval = 20 * time.Millisecond
	n := startRelay(t, cfg)
	stop := runRelay(t, n)

	// A relay offers its whole configured capacity as spare.
	waitFor(t, "two heartbeats", func() bool { return m.Heartbeats.Load() >= 2 })
	if got, _ := m.Listed(op, n.ID()); got.SpareBps != cfg.CapacityBps {
		t.Errorf("spare_bps: got %d, want the capacity %d", got.SpareBps, cfg.CapacityBps)
	}

	buyer := m.Buyer()
	l := buyLease(t, buyer, "PT")
	if len(l.Exits) != 1 || l.Exits[0].NodeID != n.ID() {
		t.Fatalf("lease exits: got %+v, want relay %s", l.Exits, n.ID())
	}
	d := exitDialer(t, l)
	exchange(t, d, o, 4<<20)
	want := meter.Totals{Up: 4 << 20, Down: 512 << 10}
	waitTotals(t, n.Meter(), l.ID, want)
	ctx := context.Background()
	if err := n.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	checkUsage(t, buyer, l.ID, n.ID(), l.PriceMicrosPerGB, want)
	posts := m.ReceiptPosts.Load()
	if err := n.Flush(ctx); err != nil {
		t.Fatalf("second Flush: %v", err)
	}
	if got := m.ReceiptPosts.Load(); got != posts {
		t.Errorf("second Flush without traffic made %d uploads, want none", got-posts)
	}

	exchange(t, d, o, 1)
	want.Up++
	want.Down += 512 << 10
	waitTotals(t, n.Meter(), l.ID, want)
	// The relay has no receipt interval knob: a periodic upload (every 5s)
	// may beat the final one, but Run must not return with traffic unpaid.
	if err := stop(); err != nil {
		t.Fatalf("Run: got %v, want nil after cancel", err)
	}
	checkUsage(t, buyer, l.ID, n.ID(), l.PriceMicrosPerGB, want)
}

// TestCapacityIsEnforced moves more than a second's worth of a small
// relay's capacity through it: the exit may not carry it faster than the
// capacity plus one burst allows. Only a lower bound on the time is
// checked, which a slow machine cannot break.
func TestCapacityIsEnforced(t *testing.T) {
	const capacity, up = 1_000_000, 1_300_000
	m := newMarket(t)
	key, _ := m.Operator()
	o := newOrigin(t, 1)
	cfg := relayConfig(m, key, t.TempDir(), o.Addr())
	cfg.CapacityBps = capacity
	n := startRelay(t, cfg)
	d := exitDialer(t, buyLease(t, m.Buyer(), "PT"))
	start := time.Now()
	exchange(t, d, o, up)
	took := time.Since(start)
	// The burst is a tenth of a second of capacity.
	if least := time.Duration(float64(up-capacity/10) / capacity * float64(time.Second)); took < least {
		t.Errorf("%d bytes at %d B/s took %v, want at least %v", up, capacity, took, least)
	}
	waitTotals(t, n.Meter(), n.Meter().LeaseIDs()[0], meter.Totals{Up: up, Down: 1})
}
