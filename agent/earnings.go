package agent

import (
	"context"
	"sync"
	"time"

	"github.com/sparelink/sparelink/agent/status"
	"github.com/sparelink/sparelink/client"
)

// earnings caches the operator account's balance: the dashboard polls
// every second, the broker is asked every BalanceInterval.
type earnings struct {
	broker *client.Client

	mu   sync.Mutex
	last status.Earnings
}

// refresh asks the broker for the balance. A failure keeps the last
// figures and records the error.
func (e *earnings) refresh(ctx context.Context, now time.Time) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	bal, err := e.broker.Balance(ctx)
	e.mu.Lock()
	defer e.mu.Unlock()
	if err != nil {
		e.last.Error = err.Error()
		return
	}
	e.last = status.Earnings{EarnedMicros: bal.EarnedMicros, AvailableMicros: bal.AvailableMicros, At: now}
}

func (e *earnings) get() status.Earnings {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.last
}

// run refreshes the balance every interval until ctx ends.
func (e *earnings) run(ctx context.Context, interval time.Duration, now func() time.Time) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		e.refresh(ctx, now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
