package quicexit

import (
	"crypto/ed25519"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sparelink/sparelink/internal/lease"
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/metering/receipt"
)

// Defaults of the receipt options.
const (
	defaultExposureWindow  = 1 << 20
	defaultReceiptInterval = 2 * time.Second
)

// errStopped ends a wait for countersignatures when the tunnel ends.
var errStopped = errors.New("tunnel stopped while waiting for countersignatures")

// ReceiptSink keeps the receipts of an exit, as internal/node's spool
// does. The exit calls Issued before it sends a receipt it signed, and
// Countersigned before it counts a buyer's countersignature as paid, so
// that nothing the exit relies on is lost in a crash.
type ReceiptSink interface {
	Issued(r *receipt.Receipt) error
	Countersigned(r *receipt.Receipt) error
}

// account is what the exit keeps per lease that has a buyer key: the
// key, the totals the buyer countersigned last, and who waits for more.
type account struct {
	lease   string
	key     ed25519.PublicKey
	counter *meter.Counter
	acked   atomic.Int64 // Up+Down of the last countersigned receipt
	nudge   chan struct{}

	mu      sync.Mutex
	seq     uint64        // Seq of the last countersigned receipt
	changed chan struct{} // closed and replaced when acked grows
}

// receiptBook holds the accounts of the exit's leases.
type receiptBook struct {
	mu      sync.Mutex
	leases  map[string]*account
	resumed map[string]*receipt.Receipt // countersigned before a restart
}

// account returns the lease's account, creating it with key when the
// lease has none yet. Leases without a buyer key have no account.
func (e *Exit) account(leaseID string, key ed25519.PublicKey) *account {
	b := &e.receipts
	b.mu.Lock()
	defer b.mu.Unlock()
	a := b.leases[leaseID]
	if a == nil && len(key) == ed25519.PublicKeySize {
		if b.leases == nil {
			b.leases = make(map[string]*account)
		}
		a = &account{lease: leaseID, key: key, counter: e.cfg.Meter.Lease(leaseID),
			nudge: make(chan struct{}, 1), changed: make(chan struct{})}
		if r := b.resumed[leaseID]; r != nil {
			a.ack(r)
			delete(b.resumed, leaseID)
		}
		b.leases[leaseID] = a
	}
	return a
}

// exposure is how many bytes the lease carried beyond its last
// countersigned receipt.
func (a *account) exposure() int64 { return a.counter.Totals().Sum() - a.acked.Load() }

// ack records a verified countersigned receipt and wakes the tunnels that
// wait for it. Older receipts change nothing.
func (a *account) ack(r *receipt.Receipt) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if r.Seq <= a.seq {
		return false
	}
	a.seq = r.Seq
	a.acked.Store(r.Totals().Sum())
	close(a.changed)
	a.changed = make(chan struct{})
	return true
}

func (a *account) waitChan() <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.changed
}

// poke asks the lease's receipt streams to send a receipt now.
func (a *account) poke() {
	select {
	case a.nudge <- struct{}{}:
	default:
	}
}

// admitReceipts refuses a new tunnel of a lease whose exposure is used
// up, writing the rejection. It is the hook admit calls.
func (e *Exit) admitReceipts(w http.ResponseWriter, c lease.Claims) bool {
	a := e.account(c.LeaseID, c.BuyerKey)
	if a == nil || e.cfg.ExposureWindow < 0 || a.exposure() < e.cfg.ExposureWindow {
		return true
	}
	a.poke()
	e.stats.exposureRefusals.Add(1)
	reject(w, http.StatusPaymentRequired, "http_request_denied", "lease waits for countersigned receipts")
	return false
}

// awaitReceipts returns how much of want a tunnel of the lease may carry
// now, waiting while the lease's exposure is used up. It is the hook
// acquire calls before the rate limits.
func (e *Exit) awaitReceipts(leaseID string, want int, stop, intr <-chan struct{}) (int, error) {
	window := e.cfg.ExposureWindow
	if window < 0 {
		return want, nil
	}
	e.receipts.mu.Lock()
	a := e.receipts.leases[leaseID]
	e.receipts.mu.Unlock()
	if a == nil {
		return want, nil
	}
	for paused := false; ; paused = true {
		ch := a.waitChan()
		exposed := a.exposure()
		if exposed >= e.cfg.ReceiptBytes {
			a.poke() // a receipt now keeps the countersignatures ahead of the window
		}
		if room := window - exposed; room > 0 {
			return int(min(int64(want), room)), nil
		}
		if !paused {
			e.stats.exposurePauses.Add(1)
		}
		a.poke()
		select {
		case <-ch:
		case <-stop:
			return 0, errStopped
		case <-intr:
			return 0, errStopped
		}
	}
}

// ResumeReceipts seeds the exit with receipts a node stored before it
// restarted: own, when not nil, is a lease's last receipt, which
// continues its hash chain; countersigned, when not nil, is the last one
// the buyer countersigned, which the lease's exposure counts from once its
// next token shows the buyer key. The node seeds the meter itself.
func (e *Exit) ResumeReceipts(own, countersigned *receipt.Receipt) {
	if own != nil {
		e.issuer.Resume(own)
	}
	if countersigned == nil {
		return
	}
	b := &e.receipts
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.resumed == nil {
		b.resumed = make(map[string]*receipt.Receipt)
	}
	b.resumed[countersigned.LeaseID] = countersigned
}

// Issuer is the exit's receipt issuer, which keeps each lease's hash
// chain; the node issues its uploads with it too.
func (e *Exit) Issuer() *receipt.Issuer { return e.issuer }

// receiptDefaults fills in the receipt options left at zero.
func (o Options) receiptDefaults() Options {
	if o.ExposureWindow == 0 {
		o.ExposureWindow = defaultExposureWindow
	}
	if o.ReceiptInterval <= 0 {
		o.ReceiptInterval = defaultReceiptInterval
	}
	if o.ReceiptBytes <= 0 {
		o.ReceiptBytes = max(o.ExposureWindow/2, 1)
		if o.ExposureWindow < 0 {
			o.ReceiptBytes = defaultExposureWindow / 2
		}
	}
	return o
}

// receiptCounters are the receipt streams' running counts.
type receiptCounters struct {
	receiptsIssued       atomic.Int64
	countersigned        atomic.Int64
	countersignsRejected atomic.Int64
	exposurePauses       atomic.Int64
	exposureRefusals     atomic.Int64
}

// ReceiptStats are the receipt counts of Stats.
type ReceiptStats struct {
	// Issued counts receipts signed for receipt streams.
	Issued int64
	// Countersigned counts countersigned receipts verified and counted as
	// paid; Rejected those refused (bad signature, wrong lease).
	Countersigned, Rejected int64
	// Pauses counts the times a tunnel waited for countersignatures;
	// Refusals the new tunnels refused for the same reason.
	Pauses, Refusals int64
}

func (c *receiptCounters) receiptStats() ReceiptStats {
	return ReceiptStats{
		Issued:        c.receiptsIssued.Load(),
		Countersigned: c.countersigned.Load(),
		Rejected:      c.countersignsRejected.Load(),
		Pauses:        c.exposurePauses.Load(),
		Refusals:      c.exposureRefusals.Load(),
	}
}
