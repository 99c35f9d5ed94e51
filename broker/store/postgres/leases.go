package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/sparelink/sparelink/broker/store"
)

// CreateLease moves l.HoldMicros from the buyer's available balance to its
// held balance and stores the lease as active, atomically. An empty l.ID is
// replaced by a generated one and a zero CreatedAt by now. A short balance
// is store.ErrInsufficientFunds and writes nothing.
//
// A non-empty idemKey already used by the same buyer returns the lease
// stored under it, as it is now, with created=false when requestHash
// matches, and store.ErrIdempotencyMismatch when it does not.
func (s *Store) CreateLease(ctx context.Context, idemKey string, requestHash []byte, l store.Lease) (store.Lease, bool, error) {
	if err := l.Validate(); err != nil {
		return store.Lease{}, false, fmt.Errorf("create lease for %s: %w", l.BuyerID, err)
	}
	var (
		stored  store.Lease
		created bool
	)
	err := s.write(ctx, func(tx pgx.Tx) error {
		var err error
		stored, created, err = s.createLease(ctx, tx, idemKey, requestHash, l)
		return err
	})
	if err != nil {
		return store.Lease{}, false, fmt.Errorf("create lease for %s: %w", l.BuyerID, constraint(err))
	}
	return stored, created, nil
}

// createLease is CreateLease inside its transaction. It locks the buyer's
// account and then its available book before reading the balance, so
// concurrent leases of one buyer cannot both spend the same money.
func (s *Store) createLease(ctx context.Context, tx pgx.Tx, idemKey string, hash []byte, l store.Lease) (store.Lease, bool, error) {
	if idemKey != "" {
		prev, found, err := leaseForKey(ctx, tx, l.BuyerID, idemKey, hash)
		if err != nil || found {
			return prev, false, err
		}
	}
	if _, err := account(ctx, tx, l.BuyerID); err != nil {
		return store.Lease{}, false, err
	}
	if err := lockAccounts(ctx, tx, l.BuyerID); err != nil {
		return store.Lease{}, false, err
	}
	avail, err := balance(ctx, tx, availableBook(l.BuyerID), true)
	if err != nil {
		return store.Lease{}, false, err
	}
	if avail < l.HoldMicros {
		return store.Lease{}, false, fmt.Errorf("hold %d, available %d: %w",
			l.HoldMicros, avail, store.ErrInsufficientFunds)
	}
	if err := keyLimits(ctx, tx, l.KeyID, l.HoldMicros, l.MaxBytes); err != nil {
		return store.Lease{}, false, err
	}
	if l, err = s.insertLease(ctx, tx, l); err != nil {
		return store.Lease{}, false, err
	}
	_, err = s.post(ctx, tx, l.ID,
		posting{availableBook(l.BuyerID), -l.HoldMicros, kindHold},
		posting{heldBook(l.BuyerID), l.HoldMicros, kindHold})
	if err != nil || idemKey == "" {
		return l, err == nil, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO lease_requests (buyer_id, idem_key, request_hash, lease_id)
		VALUES ($1, $2, $3, $4)`, l.BuyerID, idemKey, blob(hash), l.ID)
	return l, err == nil, err
}

// leaseForKey takes the key's lock and finds the lease an earlier request
// stored under it.
func leaseForKey(ctx context.Context, tx pgx.Tx, buyerID, idemKey string, hash []byte) (store.Lease, bool, error) {
	if err := lockIdempotencyKey(ctx, tx, lockLease, buyerID, idemKey); err != nil {
		return store.Lease{}, false, err
	}
	var (
		prevHash []byte
		leaseID  string
	)
	err := tx.QueryRow(ctx,
		`SELECT request_hash, lease_id FROM lease_requests WHERE buyer_id = $1 AND idem_key = $2`,
		buyerID, idemKey).Scan(&prevHash, &leaseID)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Lease{}, false, nil
	}
	if err != nil {
		return store.Lease{}, false, err
	}
	if !bytes.Equal(prevHash, hash) {
		return store.Lease{}, false, fmt.Errorf("key %q: %w", idemKey, store.ErrIdempotencyMismatch)
	}
	l, err := lease(ctx, tx, leaseID)
	return l, err == nil, err
}

// insertLease writes a new active lease row and returns the lease as stored.
func (s *Store) insertLease(ctx context.Context, tx pgx.Tx, l store.Lease) (store.Lease, error) {
	var err error
	if l.ID == "" {
		if l.ID, err = newID("ls_"); err != nil {
			return store.Lease{}, err
		}
	}
	if l.CreatedAt.IsZero() {
		l.CreatedAt = s.now()
	}
	l.Status = store.LeaseActive
	_, err = tx.Exec(ctx, `INSERT INTO leases (`+leaseColumns+`, charged_micros)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, $13, $14, $15, $16, 0)`,
		l.ID, l.BuyerID, string(l.Status), l.PriceMicrosPerGB, l.FeeBPS, l.HoldMicros, l.RateBps,
		list(l.Protocols), list(l.NodeIDs), toNanos(l.CreatedAt), toNanos(l.ExpiresAt), l.MaxBytes, l.Mode,
		nonNil(l.BuyerKey), store.EncodeCoverage(l.Coverage), l.KeyID)
	if err != nil {
		return store.Lease{}, fmt.Errorf("insert lease %s: %w", l.ID, constraint(err))
	}
	// Read back so that the caller sees exactly what a later Lease returns
	// (UTC times, nil for empty lists).
	return lease(ctx, tx, l.ID)
}
