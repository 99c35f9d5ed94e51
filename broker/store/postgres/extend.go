package postgres

import (
	"context"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"

	"github.com/sparelink/sparelink/broker/store"
)

// ExtendLease adds hold, bytes and time to an active or exhausted lease,
// atomically; see store.Store. Like Settle it locks the lease row first,
// then the buyer's account and available book, so an extension and a
// receipt for one lease never interleave.
func (s *Store) ExtendLease(ctx context.Context, e store.LeaseExtension) (store.Lease, error) {
	if e.LeaseID == "" || e.AddHoldMicros < 0 || e.AddMaxBytes < 0 || e.AddDuration < 0 ||
		e.AddHoldMicros+e.AddMaxBytes == 0 && e.AddDuration == 0 || e.AddHoldMicros > store.MaxAmountMicros {
		return store.Lease{}, fmt.Errorf("extend lease %q: %w", e.LeaseID, store.ErrInvalid)
	}
	var l store.Lease
	err := s.write(ctx, func(tx pgx.Tx) error {
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
func (s *Store) extendLease(ctx context.Context, tx pgx.Tx, e store.LeaseExtension) (store.Lease, error) {
	r, err := leaseRowByID(ctx, tx, e.LeaseID, true)
	if err != nil {
		return store.Lease{}, err
	}
	switch {
	case r.Status != store.LeaseActive && r.Status != store.LeaseExhausted:
		return store.Lease{}, fmt.Errorf("lease is %s: %w", r.Status, store.ErrConflict)
	case r.HoldMicros > store.MaxAmountMicros-e.AddHoldMicros || r.MaxBytes > math.MaxInt64-e.AddMaxBytes:
		return store.Lease{}, fmt.Errorf("extended lease too large: %w", store.ErrInvalid)
	}
	if r.KeyID != "" {
		if err := lockAccounts(ctx, tx, r.BuyerID); err != nil {
			return store.Lease{}, err
		}
		if err := keyLimits(ctx, tx, r.KeyID, e.AddHoldMicros, e.AddMaxBytes); err != nil {
			return store.Lease{}, err
		}
	}
	if e.AddHoldMicros > 0 {
		if err := s.addHold(ctx, tx, r, e.AddHoldMicros); err != nil {
			return store.Lease{}, err
		}
	}
	status := r.Status
	if status == store.LeaseExhausted && r.charged < r.HoldMicros+e.AddHoldMicros {
		status = store.LeaseActive
	}
	_, err = tx.Exec(ctx, `UPDATE leases SET hold_micros = hold_micros + $1, max_bytes = max_bytes + $2,
		expires_at = expires_at + $3, status = $4 WHERE id = $5`,
		e.AddHoldMicros, e.AddMaxBytes, e.AddDuration.Nanoseconds(), string(status), r.ID)
	if err != nil {
		return store.Lease{}, fmt.Errorf("update lease: %w", constraint(err))
	}
	return lease(ctx, tx, r.ID)
}

// addHold moves amount of the buyer's available balance to its hold for
// the lease, or fails with store.ErrInsufficientFunds.
func (s *Store) addHold(ctx context.Context, tx pgx.Tx, r leaseRow, amount int64) error {
	if err := lockAccounts(ctx, tx, r.BuyerID); err != nil {
		return err
	}
	avail, err := balance(ctx, tx, availableBook(r.BuyerID), true)
	if err != nil {
		return err
	}
	if avail < amount {
		return fmt.Errorf("hold %d more, available %d: %w", amount, avail, store.ErrInsufficientFunds)
	}
	_, err = s.post(ctx, tx, r.ID,
		posting{availableBook(r.BuyerID), -amount, kindHold},
		posting{heldBook(r.BuyerID), amount, kindHold})
	return err
}
