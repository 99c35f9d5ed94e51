package wgexit

import (
	"context"
	"math"
	"sync/atomic"

	"golang.org/x/time/rate"
)

// nodeRate caps the whole exit: the owner's rate cap and the agent's
// yielding to the household apply to WireGuard traffic as they do to the
// QUIC exit's. It holds nil while there is no cap.
type nodeRate struct {
	lim atomic.Pointer[rate.Limiter]
}

// SetMaxRate caps the exit's payload at bps bytes per second, all leases
// and both directions together; zero or less removes the cap. Flows
// waiting for the old cap move to the new one at their next write.
func (e *Exit) SetMaxRate(bps int64) {
	if bps <= 0 {
		e.rate.lim.Store(nil)
		return
	}
	burst := max(float64(bps)*burstTime.Seconds(), minBurst)
	e.rate.lim.Store(rate.NewLimiter(rate.Limit(bps), int(min(burst, math.MaxInt32))))
}

// wait blocks until the exit's cap admits n bytes.
func (r *nodeRate) wait(ctx context.Context, n int) error {
	for n > 0 {
		lim := r.lim.Load()
		if lim == nil {
			return nil
		}
		step := min(n, lim.Burst())
		if err := lim.WaitN(ctx, step); err != nil {
			return err
		}
		n -= step
	}
	return nil
}
