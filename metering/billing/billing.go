// Package billing holds the rules that turn byte counts into money: the
// charge for a number of bytes at a price, the broker's fee and the
// seller's share, the tolerance between the exit's and the buyer's counts,
// and the hold a lease needs.
//
// Money is integer micro-units in int64 (1 unit = 1,000,000 micros); prices
// are micros per GB of 10^9 bytes. Every function is exact for all int64
// inputs: products are taken in 128 bits, results are rounded down and
// saturate at math.MaxInt64 instead of wrapping.
//
// Settlement is cumulative. The charge of a (lease, node) pair is always
// Charge of its cumulative billable bytes and the fee is always Fee of that
// cumulative charge; the broker applies only the difference from what it
// already settled. Rounding therefore never accumulates across receipts,
// and a replayed receipt yields a difference of zero.
//
// The package keeps no state and knows nothing of the broker's store.
package billing

import (
	"math"
	"math/bits"
)

// Units of money, size and fee.
const (
	MicrosPerUnit = 1_000_000     // micro-units in one currency unit
	BytesPerGB    = 1_000_000_000 // prices are per 10^9 bytes
	MaxFeeBPS     = 10_000        // a fee of 100%
)

// Charge returns what bytes cost at microsPerGB: floor(bytes*price/10^9),
// exact for every int64 input, saturating at math.MaxInt64. A non-positive
// count or price costs 0.
func Charge(bytes, microsPerGB int64) int64 {
	if bytes <= 0 || microsPerGB <= 0 {
		return 0
	}
	return mulDiv(uint64(bytes), uint64(microsPerGB), BytesPerGB)
}

// Fee returns the broker's fee on a charge: floor(charge*bps/10000), with
// bps clamped to [0, MaxFeeBPS]. Rounding down favours the seller by at
// most one micro per pair. A non-positive charge has no fee.
func Fee(chargeMicros, feeBPS int64) int64 {
	if chargeMicros <= 0 || feeBPS <= 0 {
		return 0
	}
	return mulDiv(uint64(chargeMicros), uint64(min(feeBPS, MaxFeeBPS)), MaxFeeBPS)
}

// Split divides a charge into the seller's share and the broker's fee.
// sellerMicros + feeMicros == chargeMicros for every input; a non-positive
// charge goes wholly to sellerMicros with no fee.
func Split(chargeMicros, feeBPS int64) (sellerMicros, feeMicros int64) {
	feeMicros = Fee(chargeMicros, feeBPS)
	return chargeMicros - feeMicros, feeMicros
}

// HoldFor returns the hold that covers a lease of up to maxBytes at
// microsPerGB, summed over all its exits: Charge(maxBytes, microsPerGB).
// Each exit is charged the floor of its own bytes and floors never sum to
// more than the floor of the sum, so no split of maxBytes between exits
// costs more than this.
func HoldFor(maxBytes, microsPerGB int64) int64 {
	return Charge(maxBytes, microsPerGB)
}

// mulDiv returns floor(a*b/d) computed in 128 bits, saturated at
// math.MaxInt64. d must be non-zero.
func mulDiv(a, b, d uint64) int64 {
	hi, lo := bits.Mul64(a, b)
	if hi >= d {
		// The quotient needs more than 64 bits (and Div64 would panic).
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, d)
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(q)
}

// addSat returns a+b for non-negative a and b, saturated at math.MaxInt64.
func addSat(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
