package exitdial

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/sparelink/sparelink/internal/lease"
	"github.com/sparelink/sparelink/metering/billing"
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/metering/receipt"
	"github.com/sparelink/sparelink/relay/quicexit/quicexittest"
)

// reports collects the receipts a dialer rejected.
type reports struct {
	mu  sync.Mutex
	got []*receipt.Receipt
}

func (r *reports) add(_ context.Context, rc *receipt.Receipt, _ meter.Totals) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, rc)
}

func (r *reports) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// receiptDialer returns a dialer for s with a fresh buyer key on lease
// leaseID, and the reports of the receipts it rejects.
func receiptDialer(t *testing.T, s *quicexittest.Server, leaseID string) (*Dialer, *reports) {
	t.Helper()
	key, err := NewBuyerKey()
	if err != nil {
		t.Fatal(err)
	}
	rep := new(reports)
	tok := s.Token(t, func(c *lease.Claims) { c.LeaseID, c.BuyerKey = leaseID, key.Public().(ed25519.PublicKey) })
	e := Exit{NodeID: s.NodeID(), Addr: s.Addr, PublicKey: s.Key.Public(), Token: tok,
		Receipts: &Receipts{LeaseID: leaseID, Key: key, Grace: 300 * time.Millisecond, Report: rep.add}}
	return newDialer(t, e), rep
}

// transfer echoes n bytes through d and closes the connection.
func transfer(t *testing.T, d *Dialer, addr string, n int) {
	t.Helper()
	c, err := d.DialContext(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatalf("DialContext: %v", err)
	}
	defer c.Close()
	go func() { _, _ = c.Write(make([]byte, n)) }()
	if _, err := io.ReadFull(c, make([]byte, n)); err != nil {
		t.Fatalf("read echo: %v", err)
	}
}

// waitStats polls d's receipt stats until cond holds, for up to 10s.
func waitStats(t *testing.T, d *Dialer, what string, cond func(ReceiptStats) bool) ReceiptStats {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := d.ReceiptStats()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: stats %+v", what, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReceiptsOverClaim has the exit count more than it carried, by a
// share of the true count, and checks that the buyer countersigns only
// claims within the tolerance and reports the others.
func TestReceiptsOverClaim(t *testing.T) {
	const size = 1 << 20
	tests := []struct {
		name     string
		perMille int64
	}{
		{"honest", 0},
		{"2% over", 20},
		{"12% over", 120},
		{"50% over", 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := newOrigin(t, false)
			s := quicexittest.Start(t, o.addr())
			d, rep := receiptDialer(t, s, "ls_over")
			transfer(t, d, o.addr(), size)
			honest := waitStats(t, d, "the honest count to be countersigned", func(st ReceiptStats) bool {
				return st.Countersigned == s.Meter.Lease("ls_over").Totals() && st.Countersigned.Down == size
			})
			c := s.Meter.Lease("ls_over")
			c.AddUp(size * tt.perMille / 1000)
			c.AddDown(size * tt.perMille / 1000)
			claim := c.Totals()
			_, err := billing.Billable(claim, honest.Counted, billing.Tolerance{})
			within := err == nil
			st := waitStats(t, d, "the claim to be decided", func(st ReceiptStats) bool {
				return st.Countersigned == claim || st.Rejected > 0
			})
			if got := st.Countersigned == claim; got != within {
				t.Fatalf("claim %+v for a count of %+v countersigned: got %v, want %v", claim, honest.Counted, got, within)
			}
			if wantReports := map[bool]int{true: 0, false: 1}[within]; rep.count() != wantReports || st.Rejected != int64(wantReports) {
				t.Fatalf("got %d reports and %d rejections, want %d", rep.count(), st.Rejected, wantReports)
			}
		})
	}
}

// TestReceiptsHonestRuns checks that honest sessions of many sizes end
// countersigned in full without a single rejection.
func TestReceiptsHonestRuns(t *testing.T) {
	o := newOrigin(t, false)
	s := quicexittest.Start(t, o.addr())
	for i, n := range []int{1, 1000, 64 << 10, 300 << 10, 1 << 20, 3 << 20, 5 << 20, 777777} {
		leaseID := fmt.Sprintf("ls_run%d", i)
		d, rep := receiptDialer(t, s, leaseID)
		transfer(t, d, o.addr(), n)
		st := waitStats(t, d, "the last receipt", func(st ReceiptStats) bool {
			return st.Countersigned == s.Meter.Lease(leaseID).Totals() && st.Countersigned.Down == int64(n)
		})
		if st.Rejected != 0 || rep.count() != 0 {
			t.Fatalf("run %d (%d bytes): got %d rejections, want 0", i, n, st.Rejected)
		}
	}
}

// TestReceiptsRefuseForgeries feeds the buyer's checks receipts that are
// forged or replayed: none may be countersigned.
func TestReceiptsRefuseForgeries(t *testing.T) {
	s := quicexittest.Start(t)
	d, _ := receiptDialer(t, s, "ls_forge")
	d.buyer.count.AddUp(100)
	iss := receipt.NewIssuer(s.Key.Private, s.NodeID(), nil)
	good, _ := iss.Issue("ls_forge", meter.Totals{Up: 100})
	if out, err := d.checkReceipt(good.Clone()); err != nil || out == nil {
		t.Fatalf("good receipt: got %v, %v, want a countersignature", out, err)
	}
	_, otherKey, _ := ed25519.GenerateKey(nil)
	later, _ := iss.Issue("ls_forge", meter.Totals{Up: 100, Down: 1})
	if out, err := d.checkReceipt(later.Clone()); err != nil || out == nil {
		t.Fatalf("next receipt: got %v, %v, want a countersignature", out, err)
	}
	tests := []struct {
		name  string
		forge func() *receipt.Receipt
	}{
		{"replayed", func() *receipt.Receipt { return good.Clone() }},
		{"other lease", func() *receipt.Receipt { r := later.Clone(); r.LeaseID = "ls_other"; r.Sign(s.Key.Private); return r }},
		{"flipped bit", func() *receipt.Receipt { r := later.Clone(); r.Down ^= 4; return r }},
		{"wrong key", func() *receipt.Receipt { r := later.Clone(); r.Sign(otherKey); return r }},
		{"lowered counter", func() *receipt.Receipt {
			r := later.Clone()
			r.Seq, r.Up = later.Seq+5, 50
			r.Sign(s.Key.Private)
			return r
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := d.ReceiptStats().Rejected
			if out, err := d.checkReceipt(tt.forge()); err == nil || out != nil {
				t.Fatalf("checkReceipt() = %v, %v, want an error", out, err)
			}
			if got := d.ReceiptStats().Rejected; got != before+1 {
				t.Fatalf("rejections: got %d, want %d", got, before+1)
			}
		})
	}
}

var _ net.Conn = (*Conn)(nil)
