package node_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/internal/node"
	"github.com/sparelink/sparelink/metering/billing"
	"github.com/sparelink/sparelink/metering/meter"
)

// countersignedLease buys a lease with a buyer key on the seller's node and
// returns a dialer that countersigns its receipts.
func countersignedLease(t *testing.T, s *seller) (*api.Lease, *exitdial.Dialer) {
	t.Helper()
	key, err := exitdial.NewBuyerKey()
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.buyer.CreateLease(context.Background(), "", api.LeaseRequest{
		Coverage: api.Coverage{Country: testListing.Region.Country}, MaxBytes: 256 << 20,
		BuyerKey: base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey)),
	})
	if err != nil {
		t.Fatalf("create lease: %v", err)
	}
	exits, err := exitdial.FromLease(l)
	if err != nil || len(exits) != 1 {
		t.Fatalf("lease exits: %d, %v", len(exits), err)
	}
	exits = exitdial.WithReceipts(exits, exitdial.Receipts{LeaseID: l.ID, Key: key})
	d := exitdial.New(exits[0], zaptest.NewLogger(t).Named("buyer"))
	t.Cleanup(func() { d.Close() })
	return l, d
}

// TestSpoolSurvivesCrash stops a node after its exit received
// countersigned receipts but before it uploaded them, and again after an
// upload whose answer it never confirmed: a node restarted from the same
// data directory uploads everything once, and the broker bills exactly
// the countersigned bytes.
func TestSpoolSurvivesCrash(t *testing.T) {
	dir := t.TempDir()
	spool := filepath.Join(dir, node.SpoolFile)
	var cfg *node.Config
	s := newSeller(t, 50_000, func(c *node.Config) { c.Spool, cfg = spool, c })
	l, d := countersignedLease(t, s)
	for _, up := range []int{3000, 400_000} {
		exchange(t, d, s.org, up)
	}
	counted := s.node.Meter().Lease(l.ID).Totals()
	waitCountersigned(t, s.node, d, counted)
	s.node.Close() // crash: nothing uploaded
	steps := []struct {
		name  string
		flush int // Flush calls before the next restart
	}{
		{"upload after restart", 1},
		{"upload again after a lost confirmation", 2},
	}
	for _, st := range steps {
		n := start(t, *cfg)
		for range st.flush {
			if err := n.Flush(context.Background()); err != nil {
				t.Fatalf("%s: Flush: %v", st.name, err)
			}
		}
		if got := n.Meter().Lease(l.ID).Totals(); got != counted {
			t.Fatalf("%s: restarted meter at %+v, want %+v", st.name, got, counted)
		}
		checkBilled(t, s, l, counted)
		n.Close()
	}
}

// checkBilled checks that the broker settled exactly want on lease l.
func checkBilled(t *testing.T, s *seller, l *api.Lease, want meter.Totals) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		u, err := s.buyer.Usage(context.Background(), l.ID)
		if err != nil {
			t.Fatalf("usage: %v", err)
		}
		charge := billing.Charge(want.Sum(), l.PriceMicrosPerGB)
		if len(u.Exits) == 1 && u.Exits[0].BytesUp == want.Up && u.Exits[0].BytesDown == want.Down && u.ChargedMicros == charge {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("usage %+v, want up %d down %d charged %d", u, want.Up, want.Down, charge)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReceiptCollectors checks that the node's metering series count the
// receipts a countersigning buyer caused and that the spool's backlog
// empties after an upload.
func TestReceiptCollectors(t *testing.T) {
	s := newSeller(t, 10_000, nil)
	l, d := countersignedLease(t, s)
	exchange(t, d, s.org, 20_000)
	waitCountersigned(t, s.node, d, s.node.Meter().Lease(l.ID).Totals())
	read := func(name string) float64 { return readSeries(t, s.node, name) }
	if read("sparelink_node_countersignatures_verified_total") < 1 || read("sparelink_node_receipts_issued_total") < 1 {
		t.Fatal("got no countersignature or receipt counted, want at least one of each")
	}
	if got := read("sparelink_node_receipts_pending"); got < 1 {
		t.Fatalf("pending receipts before upload: got %v, want at least 1", got)
	}
	for range 2 { // the second upload confirms the first
		if err := s.node.Flush(context.Background()); err != nil {
			t.Fatalf("Flush: %v", err)
		}
	}
	if got := read("sparelink_node_receipts_pending"); got != 0 {
		t.Fatalf("pending receipts after upload: got %v, want 0", got)
	}
}

// readSeries reads one of the node's metering series.
func readSeries(t *testing.T, n *node.Node, name string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(n.ReceiptCollectors()...)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			m := mf.GetMetric()[0]
			return m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no series %s", name)
	return 0
}

// waitCountersigned waits until the buyer countersigned a receipt for
// counted and the exit verified and kept every countersignature it sent.
func waitCountersigned(t *testing.T, n *node.Node, d *exitdial.Dialer, counted meter.Totals) {
	t.Helper()
	waitFor(t, "the last receipt to be countersigned and kept", func() bool {
		st := d.ReceiptStats()
		return st.Countersigned == counted &&
			readSeries(t, n, "sparelink_node_countersignatures_verified_total") == float64(st.Signed)
	})
}
