package billing

import (
	"errors"
	"fmt"

	"github.com/sparelink/sparelink/metering/meter"
)

// Default tolerance between the exit's and the buyer's counts.
const (
	DefaultToleranceBytes    = 64 << 10 // bytes in flight when either side counted
	DefaultTolerancePerMille = 10       // 1% of the buyer's count
)

// Sentinel errors that callers branch on with errors.Is.
var (
	// ErrOverTolerance means the exit counted more than the buyer, beyond
	// the tolerance, in at least one direction.
	ErrOverTolerance = errors.New("exit count exceeds buyer count beyond tolerance")
	// ErrNegativeCount means a byte count is below zero.
	ErrNegativeCount = errors.New("negative byte count")
)

// Tolerance is how far the exit's count may exceed the buyer's, per
// direction, before the two are said to disagree: Bytes plus PerMille
// thousandths of the buyer's count. The counts differ honestly by what was
// in flight when each side read its counter, and by bytes one side wrote
// that the other never saw.
//
// A zero field means its default (DefaultToleranceBytes,
// DefaultTolerancePerMille); a negative field means none.
type Tolerance struct {
	Bytes    int64
	PerMille int64
}

// resolved returns t with defaults applied and negatives cleared.
func (t Tolerance) resolved() Tolerance {
	switch {
	case t.Bytes == 0:
		t.Bytes = DefaultToleranceBytes
	case t.Bytes < 0:
		t.Bytes = 0
	}
	switch {
	case t.PerMille == 0:
		t.PerMille = DefaultTolerancePerMille
	case t.PerMille < 0:
		t.PerMille = 0
	}
	return t
}

// Allowed returns the most the exit may count in a direction in which the
// buyer counted buyerBytes (non-negative), saturating at math.MaxInt64.
func (t Tolerance) Allowed(buyerBytes int64) int64 {
	r := t.resolved()
	slack := addSat(r.Bytes, mulDiv(uint64(max(buyerBytes, 0)), uint64(r.PerMille), 1000))
	return addSat(max(buyerBytes, 0), slack)
}

// Billable returns what a buyer pays for when both sides counted a lease
// at one exit: the exit's count, in each direction where it does not
// exceed tol.Allowed of the buyer's count. Otherwise it returns an error
// wrapping ErrOverTolerance with the figures. The result is never more than
// the exit's count: if the buyer counted more, the exit's lower count
// stands. Negative counts return ErrNegativeCount.
func Billable(exit, buyer meter.Totals, tol Tolerance) (meter.Totals, error) {
	if exit.Up < 0 || exit.Down < 0 || buyer.Up < 0 || buyer.Down < 0 {
		return meter.Totals{}, fmt.Errorf("%w: exit %+v, buyer %+v", ErrNegativeCount, exit, buyer)
	}
	if err := within("up", exit.Up, buyer.Up, tol); err != nil {
		return meter.Totals{}, err
	}
	if err := within("down", exit.Down, buyer.Down, tol); err != nil {
		return meter.Totals{}, err
	}
	return exit, nil
}

func within(dir string, exit, buyer int64, tol Tolerance) error {
	if allowed := tol.Allowed(buyer); exit > allowed {
		return fmt.Errorf("%w: %s: exit counted %d bytes, buyer %d, at most %d allowed",
			ErrOverTolerance, dir, exit, buyer, allowed)
	}
	return nil
}
