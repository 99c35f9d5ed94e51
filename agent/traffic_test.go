package agent_test

import (
	"context"
	"errors"
	"testing"

	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/metering/billing"
	"github.com/sparelink/sparelink/metering/meter"
)

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

func TestTrafficIsMeteredAndSettled(t *testing.T) {
	m := newMarket(t)
	key, _ := m.Operator()
	allowed := newOrigin(t, 256<<10)
	other := newOrigin(t, 10) // loopback, but not in the owner's allow rules
	a, stop := startAgent(t, agentConfig(m, key, t.TempDir(), allowed.Addr()))
	buyer := m.Buyer()
	l := buyLease(t, buyer, "NL")
	if len(l.Exits) != 1 || l.Exits[0].NodeID != a.NodeID() {
		t.Fatalf("lease exits: got %+v, want node %s", l.Exits, a.NodeID())
	}
	d := exitDialer(t, l)

	// The owner's rules open exactly the allowed origin.
	var pe *exitdial.ProxyError
	if _, err := d.DialContext(context.Background(), "tcp", other.Addr()); !errors.As(err, &pe) {
		t.Fatalf("dial a loopback origin outside the allow rules: got %v, want a refusal by the exit", err)
	}
	exchange(t, d, allowed, 3000)
	exchange(t, d, allowed, 1<<20)
	want := meter.Totals{Up: 3000 + 1<<20, Down: 2 * 256 << 10}
	waitTotals(t, a.Meter(), l.ID, want)

	ctx := context.Background()
	if err := a.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	checkUsage(t, buyer, l.ID, a.NodeID(), l.PriceMicrosPerGB, want)
	posts := m.ReceiptPosts.Load()
	if err := a.Flush(ctx); err != nil {
		t.Fatalf("second Flush: %v", err)
	}
	if got := m.ReceiptPosts.Load(); got != posts {
		t.Errorf("second Flush without traffic made %d uploads, want none", got-posts)
	}

	// Traffic after the last Flush is uploaded when Run ends.
	exchange(t, d, allowed, 99)
	want.Up += 99
	want.Down += 256 << 10
	waitTotals(t, a.Meter(), l.ID, want)
	if err := stop(); err != nil {
		t.Fatalf("Run: got %v, want nil after cancel", err)
	}
	if got := m.ReceiptPosts.Load(); got != posts+1 {
		t.Errorf("uploads when Run ended: got %d, want 1", got-posts)
	}
	checkUsage(t, buyer, l.ID, a.NodeID(), l.PriceMicrosPerGB, want)
	if got := allowed.Read.Load(); got != want.Up {
		t.Errorf("origin read %d bytes, exit counted %d up", got, want.Up)
	}
}
