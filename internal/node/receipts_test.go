package node_test

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

// seller is a started node selling through m, with an origin it may
// reach, and a buyer that leased it.
type seller struct {
	m     *market
	node  *node.Node
	org   *origin
	buyer *client.Client
	lease *api.Lease
}

// newSeller starts a node with cfg adjusted by adjust, runs nothing, and
// buys a lease on it.
func newSeller(t *testing.T, down int, adjust func(*node.Config)) *seller {
	t.Helper()
	s := &seller{m: newMarket(t), org: newOrigin(t, down)}
	cfg := config(t, s.m.operator(), s.org.Addr())
	if adjust != nil {
		adjust(&cfg)
	}
	s.node = start(t, cfg)
	s.buyer = s.m.Buyer()
	s.lease = buyLease(t, s.buyer, cfg.Listing.Region.Country)
	if len(s.lease.Exits) != 1 || s.lease.Exits[0].NodeID != s.node.ID() {
		t.Fatalf("lease exits: got %+v, want node %s", s.lease.Exits, s.node.ID())
	}
	return s
}

// traffic sends one exchange per entry of ups through the lease and waits
// until the exit has counted all of it.
func (s *seller) traffic(t *testing.T, ups ...int) meter.Totals {
	t.Helper()
	before := s.node.Meter().Lease(s.lease.ID).Totals()
	d := exitDialer(t, s.lease)
	want := before
	for _, up := range ups {
		exchange(t, d, s.org, up)
		want.Up += int64(up)
		want.Down += int64(s.org.Down)
	}
	waitTotals(t, s.node.Meter(), s.lease.ID, want)
	return want
}

// checkUsage checks that the broker settled exactly want for the node.
func (s *seller) checkUsage(t *testing.T, want meter.Totals) {
	t.Helper()
	u, err := s.buyer.Usage(context.Background(), s.lease.ID)
	if err != nil {
		t.Fatalf("usage: %v", err)
	}
	if want == (meter.Totals{}) {
		if len(u.Exits) != 0 || u.ChargedMicros != 0 {
			t.Errorf("usage: got %+v, want nothing settled", u)
		}
		return
	}
	if len(u.Exits) != 1 {
		t.Fatalf("usage: got %d exits, want 1: %+v", len(u.Exits), u)
	}
	e := u.Exits[0]
	if e.NodeID != s.node.ID() || e.BytesUp != want.Up || e.BytesDown != want.Down {
		t.Errorf("usage: got node %s up %d down %d, want node %s up %d down %d",
			e.NodeID, e.BytesUp, e.BytesDown, s.node.ID(), want.Up, want.Down)
	}
	if charge := billing.Charge(want.Sum(), s.lease.PriceMicrosPerGB); u.ChargedMicros != charge {
		t.Errorf("charged: got %d micros, want %d for %d bytes at %d per GB", u.ChargedMicros, charge, want.Sum(), s.lease.PriceMicrosPerGB)
	}
}

func TestFlushSettlesMeterCounts(t *testing.T) {
	tests := []struct {
		name string
		ups  []int
		down int
	}{
		{"one small exchange", []int{100}, 1000},
		{"several connections", []int{1, 64 << 10, 300}, 4096},
		{"bulk both ways", []int{1 << 20}, 3<<20 + 11},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSeller(t, tt.down, nil)
			ctx := context.Background()
			want := s.traffic(t, tt.ups...)
			if err := s.node.Flush(ctx); err != nil {
				t.Fatalf("Flush: %v", err)
			}
			s.checkUsage(t, want)
			if got := s.org.Read.Load(); got != want.Up {
				t.Errorf("origin read %d bytes, exit counted %d up", got, want.Up)
			}

			posts := s.m.ReceiptPosts.Load()
			if err := s.node.Flush(ctx); err != nil {
				t.Fatalf("second Flush: %v", err)
			}
			if got := s.m.ReceiptPosts.Load(); got != posts {
				t.Errorf("second Flush without traffic made %d uploads, want none", got-posts)
			}

			// New traffic is settled cumulatively.
			want = s.traffic(t, 10)
			if err := s.node.Flush(ctx); err != nil {
				t.Fatalf("third Flush: %v", err)
			}
			s.checkUsage(t, want)
		})
	}
}

func TestFlushRetriesFailedUpload(t *testing.T) {
	s := newSeller(t, 2000, nil)
	ctx := context.Background()
	want := s.traffic(t, 500)
	s.m.RefuseReceipts.Store(true)
	if err := s.node.Flush(ctx); err == nil {
		t.Fatalf("Flush while the broker refuses receipts: got nil, want an error")
	}
	s.checkUsage(t, meter.Totals{})
	s.m.RefuseReceipts.Store(false)
	if err := s.node.Flush(ctx); err != nil {
		t.Fatalf("Flush after the broker recovered: %v", err)
	}
	s.checkUsage(t, want)
}

func TestRunUploadsLastReceiptsOnCancel(t *testing.T) {
	s := newSeller(t, 5000, nil) // timers of an hour: only the end uploads
	stop := run(t, s.node)
	want := s.traffic(t, 700, 800)
	if got := s.m.ReceiptPosts.Load(); got != 0 {
		t.Fatalf("receipt uploads before cancel: got %d, want 0", got)
	}
	if err := stop(); err != nil {
		t.Fatalf("Run: got %v, want nil after cancel", err)
	}
	if got := s.m.ReceiptPosts.Load(); got != 1 {
		t.Errorf("receipt uploads at the end of Run: got %d, want 1", got)
	}
	s.checkUsage(t, want)
}

func TestRunUploadsPeriodically(t *testing.T) {
	s := newSeller(t, 3000, func(c *node.Config) { c.ReceiptInterval = 20 * time.Millisecond })
	run(t, s.node)
	want := s.traffic(t, 1234)
	waitFor(t, "a periodic upload of the traffic", func() bool {
		u, err := s.buyer.Usage(context.Background(), s.lease.ID)
		return err == nil && len(u.Exits) == 1 && u.Exits[0].BytesUp == want.Up && u.Exits[0].BytesDown == want.Down
	})
	s.checkUsage(t, want)
}
