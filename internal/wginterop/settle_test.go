package wginterop

import (
	"context"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/node"
	"github.com/sparelink/sparelink/metering/billing"
	"github.com/sparelink/sparelink/metering/meter"
)

// funds is what the buyer owns: available plus held micros.
func funds(t *testing.T, buyer *client.Client) int64 {
	t.Helper()
	b, err := buyer.Balance(context.Background())
	if err != nil {
		t.Fatalf("balance: %v", err)
	}
	return b.AvailableMicros + b.HeldMicros
}

// checkSettled uploads the node's receipts and checks that the broker
// settled exactly served for the node and charged the buyer its price:
// in the lease's usage, in the buyer's funds and in its ledger.
func checkSettled(t *testing.T, n *node.Node, buyer *client.Client, l *api.Lease, served meter.Totals, before int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Flush(ctx); err != nil {
		t.Fatalf("flush receipts: %v", err)
	}
	charge := billing.Charge(served.Sum(), l.PriceMicrosPerGB)
	if charge <= 0 {
		t.Fatalf("charge for %d bytes at %d micros/GB is %d, want > 0", served.Sum(), l.PriceMicrosPerGB, charge)
	}
	u, err := buyer.Usage(ctx, l.ID)
	if err != nil {
		t.Fatalf("usage: %v", err)
	}
	if len(u.Exits) != 1 {
		t.Fatalf("usage: got %d exits, want 1: %+v", len(u.Exits), u)
	}
	if e := u.Exits[0]; e.NodeID != n.ID() || e.BytesUp != served.Up || e.BytesDown != served.Down {
		t.Errorf("usage: got node %s up %d down %d, want node %s up %d down %d",
			e.NodeID, e.BytesUp, e.BytesDown, n.ID(), served.Up, served.Down)
	}
	if u.ChargedMicros != charge {
		t.Errorf("usage charged %d micros, want %d for %d bytes at %d per GB", u.ChargedMicros, charge, served.Sum(), l.PriceMicrosPerGB)
	}
	if after := funds(t, buyer); before-after != charge {
		t.Errorf("buyer's funds went from %d to %d micros (-%d), want -%d", before, after, before-after, charge)
	}
	if got := ledgerCharges(t, buyer, l.ID); got != -charge {
		t.Errorf("buyer's ledger charges for %s sum to %d micros, want %d", l.ID, got, -charge)
	}
}

// ledgerCharges sums the charge entries of the buyer's ledger for a lease.
func ledgerCharges(t *testing.T, buyer *client.Client, leaseID string) int64 {
	t.Helper()
	var sum int64
	for e, err := range buyer.AllLedger(context.Background(), "", 100) {
		if err != nil {
			t.Fatalf("ledger: %v", err)
		}
		if e.LeaseID == leaseID && e.Kind == "charge" {
			sum += e.AmountMicros
		}
	}
	return sum
}
