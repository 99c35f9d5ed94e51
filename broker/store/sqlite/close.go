package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/sparelink/sparelink/broker/store"
)

// CloseLease ends an active or exhausted lease: what is left of its hold
// goes back to the buyer's available balance, and the lease takes the given
// status (store.LeaseClosed or store.LeaseExpired) and ClosedAt (now when
// at is zero), atomically. A lease already closed or expired is returned
// unchanged, so retries are harmless. Receipts that arrive after the close
// still record their byte counts but move no money (see Settle).
func (s *Store) CloseLease(ctx context.Context, id string, status store.LeaseStatus, at time.Time) (store.Lease, error) {
	if status != store.LeaseClosed && status != store.LeaseExpired {
		return store.Lease{}, fmt.Errorf("close lease %s: status %q: %w", id, status, store.ErrInvalid)
	}
	if at.IsZero() {
		at = s.now()
	}
	var l store.Lease
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		l, err = s.closeLease(ctx, tx, id, status, at)
		return err
	})
	if err != nil {
		return store.Lease{}, fmt.Errorf("close lease %s: %w", id, err)
	}
	return l, nil
}

// closeLease is CloseLease inside its transaction.
func (s *Store) closeLease(ctx context.Context, tx *sql.Tx, id string, status store.LeaseStatus, at time.Time) (store.Lease, error) {
	r, err := leaseRowByID(ctx, tx, id)
	if err != nil {
		return store.Lease{}, err
	}
	if r.Status != store.LeaseActive && r.Status != store.LeaseExhausted {
		return r.Lease, nil
	}
	// The hold minus everything charged is still in the held book, for an
	// exhausted lease as well (it is 0 there unless the hold was not fully
	// charged, which capping prevents).
	if rest := r.HoldMicros - r.charged; rest > 0 {
		_, err = s.post(ctx, tx, id,
			posting{heldBook(r.BuyerID), -rest, kindRelease},
			posting{availableBook(r.BuyerID), rest, kindRelease})
		if err != nil {
			return store.Lease{}, err
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE leases SET status = ?, closed_at = ?, ended_at = ? WHERE id = ?`,
		string(status), toNanos(at), toNanos(at), id)
	if err != nil {
		return store.Lease{}, fmt.Errorf("update lease: %w", err)
	}
	return lease(ctx, tx, id)
}
