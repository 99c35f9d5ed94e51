package store

import (
	"context"
	"time"
)

// ReceiptRecord is one receipt an exit uploaded, as the broker verified
// it: the receipt's canonical binary encoding, and whether it carried a
// countersignature the broker checked against the lease's buyer key.
type ReceiptRecord struct {
	LeaseID       string
	NodeID        string
	Seq           uint64
	Countersigned bool
	Data          []byte // receipt.MarshalBinary
	ReceivedAt    time.Time
}

// Dispute sources.
const (
	// DisputeBuyer is a receipt the buyer's side refused and reported.
	DisputeBuyer = "buyer"
	// DisputeExit is a receipt in which the exit claimed more than the
	// buyer countersigned, beyond the tolerance and the exposure window.
	DisputeExit = "exit"
)

// Dispute is a disagreement between an exit's count and the buyer's,
// visible to both sides.
type Dispute struct {
	LeaseID    string
	NodeID     string
	Seq        uint64 // the disputed receipt
	Source     string // DisputeBuyer or DisputeExit
	BuyerID    string
	OperatorID string
	// ClaimedUp and ClaimedDown are the exit's counts in the receipt;
	// AgreedUp and AgreedDown what the buyer counted (DisputeBuyer) or
	// last countersigned (DisputeExit).
	ClaimedUp, ClaimedDown int64
	AgreedUp, AgreedDown   int64
	CreatedAt              time.Time
}

// DisputeFilter selects disputes: those of one lease, or all those of a
// buyer's leases or an operator's nodes. Empty fields match anything, but
// at least one must be set.
type DisputeFilter struct {
	LeaseID    string
	BuyerID    string
	OperatorID string
}

// ReceiptLog keeps the receipts the broker settled and the disputes it
// recorded. Both are idempotent by (lease, node, seq).
type ReceiptLog interface {
	// AddReceipt stores r unless a receipt of the same lease, node and
	// seq is stored; a countersigned r then replaces one that was not.
	// It reports whether anything changed. ErrNotFound means the lease
	// or node does not exist.
	AddReceipt(ctx context.Context, r ReceiptRecord) (bool, error)
	// LeaseReceipts returns a lease's stored receipts ordered by node and
	// seq.
	LeaseReceipts(ctx context.Context, leaseID string) ([]ReceiptRecord, error)
	// AddDispute stores d unless a dispute of the same lease, node, seq
	// and source is stored, and reports whether it did.
	AddDispute(ctx context.Context, d Dispute) (bool, error)
	// Disputes lists the disputes f selects, oldest first, at most 1000.
	Disputes(ctx context.Context, f DisputeFilter) ([]Dispute, error)
}
