// Package receipt defines the signed cumulative receipt that an exit issues
// for one lease, its canonical wire encoding, and the checks a buyer or the
// broker applies before trusting one.
//
// A receipt states the cumulative bytes of one lease at one exit so far, in
// each direction, under a sequence number that grows with every receipt. The
// exit signs it with its node key; the buyer's side may countersign it to say
// it agrees. Because every receipt restates the whole total, a lost receipt
// costs nothing and a replayed or reordered one adds nothing: the next one
// carries everything the lost one did.
//
// The package only encodes, signs and checks. It does not decide what a
// buyer pays (metering/billing) nor keep any state (the broker's store does).
package receipt

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/sparelink/sparelink/metering/meter"
)

// MaxIDLen is the longest lease or node ID a receipt may carry, in bytes.
const MaxIDLen = 128

// Sentinel errors that callers branch on with errors.Is.
var (
	// ErrMalformed means a field is out of range or the encoding is invalid.
	ErrMalformed = errors.New("malformed receipt")
	// ErrBadSignature means a signature is missing or does not verify.
	ErrBadSignature = errors.New("bad receipt signature")
	// ErrMismatch means two receipts are for different leases or nodes.
	ErrMismatch = errors.New("receipt for another lease or node")
	// ErrReplay means a receipt's sequence number is not past the last one.
	ErrReplay = errors.New("receipt replayed or out of order")
	// ErrNotMonotonic means a receipt counts fewer bytes than an earlier one.
	ErrNotMonotonic = errors.New("receipt totals went backwards")
	// ErrBrokenChain means a receipt's Prev is not the hash of the receipt
	// before it.
	ErrBrokenChain = errors.New("receipt hash chain broken")
)

// Receipt is an exit's signed statement of the cumulative bytes of one
// lease. Directions are named from the buyer's point of view, as in
// metering/meter.
type Receipt struct {
	LeaseID string
	NodeID  string
	// Seq is strictly increasing per (LeaseID, NodeID) and starts at 1, so
	// that 0 can stand for "nothing received yet".
	Seq uint64
	// Up is the cumulative payload bytes from the buyer towards destinations.
	Up int64
	// Down is the cumulative payload bytes from destinations to the buyer.
	Down int64
	// Time is when the exit issued the receipt. It is encoded as Unix
	// nanoseconds, so it must lie between the years 1678 and 2262.
	Time time.Time
	// Prev is the Hash of the receipt the exit issued before this one for
	// the same lease, or all zeros for the first receipt of the chain.
	Prev [HashSize]byte
	// Sig is the node's Ed25519 signature over SigningBytes.
	Sig []byte
	// BuyerSig is the optional Ed25519 countersignature by the buyer's
	// session key over SigningBytes followed by Sig.
	BuyerSig []byte
}

// minTime and maxTime bound the times that Unix nanoseconds can represent.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// Validate reports whether every field other than the signatures is in
// range. The error wraps ErrMalformed.
func (r *Receipt) Validate() error {
	if err := checkID("lease id", r.LeaseID); err != nil {
		return err
	}
	if err := checkID("node id", r.NodeID); err != nil {
		return err
	}
	switch {
	case r.Seq == 0:
		return fmt.Errorf("%w: seq is 0", ErrMalformed)
	case r.Up < 0:
		return fmt.Errorf("%w: up count %d is negative", ErrMalformed, r.Up)
	case r.Down < 0:
		return fmt.Errorf("%w: down count %d is negative", ErrMalformed, r.Down)
	case r.Time.Before(minTime) || r.Time.After(maxTime):
		return fmt.Errorf("%w: time %s cannot be encoded", ErrMalformed, r.Time)
	}
	return nil
}

// checkID accepts 1 to MaxIDLen bytes of printable ASCII without spaces,
// which covers every ID the broker issues and keeps logs and keys safe.
func checkID(what, id string) error {
	if id == "" {
		return fmt.Errorf("%w: empty %s", ErrMalformed, what)
	}
	if len(id) > MaxIDLen {
		return fmt.Errorf("%w: %s has %d bytes, max %d", ErrMalformed, what, len(id), MaxIDLen)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("%w: %s has byte 0x%02x at %d", ErrMalformed, what, c, i)
		}
	}
	return nil
}

// Totals returns the receipt's cumulative counts in the meter's form, ready
// for metering/billing.
func (r *Receipt) Totals() meter.Totals { return meter.Totals{Up: r.Up, Down: r.Down} }
