package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"

	"github.com/sparelink/sparelink/broker/store"
)

// ExtendLease adds hold, bytes and time to an active or exhausted lease,
// atomically; see store.Store.
func (s *Store) ExtendLease(ctx context.Context, e store.LeaseExtension) (store.Lease, error) {
	if e.LeaseID == "" || e.AddHoldMicros < 0 || e.AddMaxBytes < 0 || e.AddDuration < 0 ||
		e.AddHoldMicros+e.AddMaxBytes == 0 && e.AddDuration == 0 || e.AddHoldMicros > store.MaxAmountMicros {
		return store.Lease{}, fmt.Errorf("extend lease %q: %w", e.LeaseID, store.ErrInvalid)
	}
	var l store.Lease
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		l, err = s.extendLease(ctx, tx, e)
		return err
	})
	if err != nil {
		return store.Lease{}, fmt.Errorf("extend lease %s: %w", e.LeaseID, err)
	}
	return l, nil
}

// extendLease is ExtendLease inside its transaction.
func (s *Store) extendLease(ctx context.Context, tx *sql.Tx, e store.LeaseExtension) (store.Lease, error) {
	r, err := leaseRowByID(ctx, tx, e.LeaseID)
	if err != nil {
		return store.Lease{}, err
	}
	switch {
	case r.Status != store.LeaseActive && r.Status != store.LeaseExhausted:
		return store.Lease{}, fmt.Errorf("lease is %s: %w", r.Status, store.ErrConflict)
	case r.HoldMicros > store.MaxAmountMicros-e.AddHoldMicros || r.MaxBytes > math.MaxInt64-e.AddMaxBytes:
		return store.Lease{}, fmt.Errorf("extended lease too large: %w", store.ErrInvalid)
	}
	if err := keyLimits(ctx, tx, r.KeyID, e.AddHoldMicros, e.AddMaxBytes); err != nil {
		return store.Lease{}, err
	}
	if e.AddHoldMicros > 0 {
		avail, err := balance(ctx, tx, availableBook(r.BuyerID))
		if err != nil {
			return store.Lease{}, err
		}
		if avail < e.AddHoldMicros {
			return store.Lease{}, fmt.Errorf("hold %d more, available %d: %w", e.AddHoldMicros, avail, store.ErrInsufficientFunds)
		}
		_, err = s.post(ctx, tx, r.ID,
			posting{availableBook(r.BuyerID), -e.AddHoldMicros, kindHold},
			posting{heldBook(r.BuyerID), e.AddHoldMicros, kindHold})
		if err != nil {
			return store.Lease{}, err
		}
	}
	status := r.Status
	if status == store.LeaseExhausted && r.charged < r.HoldMicros+e.AddHoldMicros {
		status = store.LeaseActive
	}
	_, err = tx.ExecContext(ctx, `UPDATE leases SET hold_micros = hold_micros + ?, max_bytes = max_bytes + ?,
		expires_at = expires_at + ?, status = ? WHERE id = ?`,
		e.AddHoldMicros, e.AddMaxBytes, e.AddDuration.Nanoseconds(), string(status), r.ID)
	if err != nil {
		return store.Lease{}, fmt.Errorf("update lease: %w", err)
	}
	return lease(ctx, tx, r.ID)
}
