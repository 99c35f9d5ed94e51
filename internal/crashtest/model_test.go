package crashtest

import (
	"fmt"
	"math/rand/v2"

	"github.com/sparelink/sparelink/metering/receipt"
)

// state is what a worker knows of one of its operations.
type state int

const (
	// pending: sent, no answer yet (the broker died); the audit after
	// the restart finds out whether it took effect.
	pending state = iota
	// acked: the broker answered with success; the effect must last.
	acked
	// refused: the broker answered with a refusal; no effect may exist.
	refused
	// lost: the broker died before the operation took effect; it must
	// never take effect later.
	lost
)

func (s state) String() string {
	return [...]string{"pending", "acked", "refused", "lost"}[s]
}

// creditOp is one top-up. Amounts are unique across the run, so the
// audit can tell every credit in the ledger apart.
type creditOp struct {
	amount int64
	idem   string
	state  state
	txn    string
}

// leaseOp is one lease and what was done with it. MaxBytes is unique
// across the run, for the same reason.
type leaseOp struct {
	maxBytes int64
	idem     string
	state    state
	id       string
	node     string
	hold     int64
	// The last acknowledged receipt; next is the one being sent.
	seq       uint64
	up, down  int64
	next      *receipt.Receipt
	closing   bool // a close was sent
	closed    bool // a close was acknowledged
	exhausted bool
}

// open reports whether the lease may still get receipts or a close.
func (l *leaseOp) open() bool {
	return l.state == acked && !l.closed && !l.closing && !l.exhausted
}

// opKind is what a worker does next.
type opKind int

const (
	opCredit opKind = iota
	opLease
	opReceipt
	opClose
)

// op is one operation a worker has in hand.
type op struct {
	kind   opKind
	credit *creditOp
	lease  *leaseOp
}

func (o op) String() string {
	switch o.kind {
	case opCredit:
		return fmt.Sprintf("credit %d (%s)", o.credit.amount, o.credit.idem)
	case opLease:
		return fmt.Sprintf("lease max_bytes=%d (%s)", o.lease.maxBytes, o.lease.idem)
	case opReceipt:
		return fmt.Sprintf("receipt %s seq %d", o.lease.id, o.lease.next.Seq)
	}
	return "close " + o.lease.id
}

// ledgerBook is one worker's record of its buyer: every operation it
// sent, by the unique value that identifies its effect.
type ledgerBook struct {
	worker  int
	credits map[int64]*creditOp // by amount
	leases  map[int64]*leaseOp  // by MaxBytes
	order   []*leaseOp          // leases in the order they were asked for
	serial  int64
}

func newLedgerBook(worker int) *ledgerBook {
	return &ledgerBook{worker: worker, credits: map[int64]*creditOp{}, leases: map[int64]*leaseOp{}}
}

// nextCredit makes a top-up with an amount no other operation uses.
func (b *ledgerBook) nextCredit(rng *rand.Rand) *creditOp {
	b.serial++
	c := &creditOp{amount: (2+rng.Int64N(4))*1_000_000 + int64(b.worker)*100_000 + b.serial,
		idem: fmt.Sprintf("credit-%d-%d", b.worker, b.serial)}
	b.credits[c.amount] = c
	return c
}

// nextLease makes a lease request with a MaxBytes no other uses.
func (b *ledgerBook) nextLease(rng *rand.Rand) *leaseOp {
	b.serial++
	l := &leaseOp{maxBytes: (1+rng.Int64N(3))*1_000_000_000 + int64(b.worker)*1_000_000 + b.serial*1000,
		idem: fmt.Sprintf("lease-%d-%d", b.worker, b.serial)}
	b.leases[l.maxBytes] = l
	b.order = append(b.order, l)
	return l
}

// openLease picks one of the leases that may still get receipts.
func (b *ledgerBook) openLease(rng *rand.Rand) *leaseOp {
	var open []*leaseOp
	for _, l := range b.order {
		if l.open() {
			open = append(open, l)
		}
	}
	if len(open) == 0 {
		return nil
	}
	return open[rng.IntN(len(open))]
}
