package exitdial

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/metering/billing"
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/metering/receipt"
)

// defaultGrace is how long a receipt above tolerance may wait for the
// buyer's count to catch up before it is rejected.
const defaultGrace = 3 * time.Second

// ErrOverClaim means an exit's receipt counts more than the buyer did,
// beyond the tolerance, after the grace period.
var ErrOverClaim = errors.New("exit receipt exceeds the buyer's count")

// Receipts is the buyer's side of an exit's receipt stream, for a lease
// whose request named a buyer key: the dialer counts the payload it
// carries, checks each receipt the exit sends against that count and the
// node key it pinned, and countersigns those within Tolerance.
type Receipts struct {
	// LeaseID is the lease the exit's receipts must name.
	LeaseID string
	// Key is the buyer's private key; its public half is the lease's
	// buyer_key. It never leaves the buyer.
	Key ed25519.PrivateKey
	// Tolerance is how far the exit's count may exceed the buyer's;
	// the zero value is metering/billing's default.
	Tolerance billing.Tolerance
	// Grace is how long a receipt above tolerance waits for the buyer's
	// count to catch up (bytes still in flight) before it is rejected;
	// zero means 3s.
	Grace time.Duration
	// Report, when set, is told of each rejected receipt with the buyer's
	// count, for the broker's dispute endpoint. It runs on its own
	// goroutine per rejection.
	Report func(ctx context.Context, r *receipt.Receipt, buyer meter.Totals)
}

// NewBuyerKey makes a fresh buyer key for one lease.
func NewBuyerKey() (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate buyer key: %w", err)
	}
	return priv, nil
}

// WithReceipts returns exits with rc set on each, each exit getting its
// own copy.
func WithReceipts(exits []Exit, rc Receipts) []Exit {
	out := make([]Exit, len(exits))
	for i, e := range exits {
		c := rc
		e.Receipts = &c
		out[i] = e
	}
	return out
}

// ReceiptStats says what a dialer's receipt streams did.
type ReceiptStats struct {
	// Counted is the payload the buyer's side carried through the exit.
	Counted meter.Totals
	// Countersigned is the totals of the last receipt countersigned.
	Countersigned meter.Totals
	// Verified counts receipts whose node signature checked; Signed those
	// countersigned; Rejected those refused (bad signature, wrong lease,
	// replay, or over the tolerance after the grace period).
	Verified, Signed, Rejected int64
}

// buyerSide is a dialer's receipt state: the buyer's count and what the
// exit's receipts said.
type buyerSide struct {
	count meter.Counter
	wg    sync.WaitGroup // receipt streams

	verified, signed, rejected atomic.Int64

	mu      sync.Mutex
	streams map[any]bool     // connections with a receipt stream
	seen    *receipt.Receipt // last receipt with a valid node signature
	signedR *receipt.Receipt // last receipt countersigned
	pending *receipt.Receipt // above tolerance, waiting for the count
	since   time.Time        // when pending started waiting
}

// ReceiptStats returns the dialer's receipt counts.
func (d *Dialer) ReceiptStats() ReceiptStats {
	b := &d.buyer
	s := ReceiptStats{Counted: b.count.Totals(), Verified: b.verified.Load(),
		Signed: b.signed.Load(), Rejected: b.rejected.Load()}
	b.mu.Lock()
	if b.signedR != nil {
		s.Countersigned = b.signedR.Totals()
	}
	b.mu.Unlock()
	return s
}

// ReceiptStats returns the receipt counts of every exit the pool used,
// current or retired, by node ID.
func (p *Pool) ReceiptStats() map[string]ReceiptStats {
	p.updateMu.Lock()
	members := append(append([]*member(nil), p.list()...), p.retired...)
	p.updateMu.Unlock()
	out := make(map[string]ReceiptStats)
	for _, m := range members {
		s := m.d.ReceiptStats()
		if prev, ok := out[m.d.exit.NodeID]; ok {
			s = addStats(prev, s)
		}
		out[m.d.exit.NodeID] = s
	}
	return out
}

func addStats(a, b ReceiptStats) ReceiptStats {
	a.Counted.Up += b.Counted.Up
	a.Counted.Down += b.Counted.Down
	if b.Countersigned.Sum() > a.Countersigned.Sum() {
		a.Countersigned = b.Countersigned
	}
	a.Verified += b.Verified
	a.Signed += b.Signed
	a.Rejected += b.Rejected
	return a
}

// grace is Receipts.Grace or its default.
func (rc *Receipts) grace() time.Duration {
	if rc.Grace > 0 {
		return rc.Grace
	}
	return defaultGrace
}

// logger for receipt events.
func (d *Dialer) receiptLog() *zap.Logger {
	return d.log.With(zap.String("lease", d.exit.Receipts.LeaseID))
}

// countChunk is the most a tunnel writes before it counts: a receipt
// stream compares the exit's count with the buyer's while a long Write is
// still in progress, and the exit pauses a lease whose receipts the buyer
// cannot countersign yet.
const countChunk = 32 << 10

// writeCounted writes p to the stream in chunks, counting each as Up.
func (c *Conn) writeCounted(p []byte) (int, error) {
	var done int
	for done < len(p) {
		n, err := c.str.Write(p[done:min(len(p), done+countChunk)])
		c.count.AddUp(int64(n))
		done += n
		if err != nil {
			return done, err
		}
	}
	return done, nil
}
