package sqlite

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"go.uber.org/zap"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Busy retries: a write that still finds the database locked after the
// busy timeout (another process holds the write lock, or SQLite returned
// SQLITE_BUSY without waiting, as it does when a lock upgrade could
// deadlock) runs again from the start, at most maxBusyAttempts times, with
// a random pause below busyBackoff<<attempt in between.
const (
	maxBusyAttempts = 5
	busyBackoff     = 10 * time.Millisecond
)

// retryBusy calls run until it returns anything but SQLITE_BUSY or has
// run maxBusyAttempts times. run must be a whole transaction (or a single
// statement), so that a busy failure leaves nothing half written.
func (s *Store) retryBusy(ctx context.Context, run func() error) error {
	for attempt := 1; ; attempt++ {
		err := run()
		if err == nil || !isBusy(err) {
			return err
		}
		if attempt == maxBusyAttempts {
			return fmt.Errorf("database still locked after %d attempts: %w", attempt, err)
		}
		s.log.Debug("database locked; retrying", zap.Int("attempt", attempt), zap.Error(err))
		t := time.NewTimer(rand.N(busyBackoff<<attempt) + 1)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("retry after %v: %w", err, ctx.Err())
		case <-t.C:
		}
	}
}

// isBusy reports whether err is SQLITE_BUSY or one of its extended codes.
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}
