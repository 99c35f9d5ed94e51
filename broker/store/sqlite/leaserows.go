package sqlite

import (
	"context"
	"fmt"

	"github.com/sparelink/sparelink/broker/store"
)

// leaseColumns is the column list scanLease expects, in insert order.
const leaseColumns = `id, buyer_id, status, price_micros_per_gb, fee_bps, hold_micros, rate_bps,
	protocols, node_ids, created_at, expires_at, closed_at, max_bytes, mode, buyer_key, coverage, key_id`

// leaseRow is a lease with the bookkeeping the Lease type does not expose.
type leaseRow struct {
	store.Lease
	charged int64 // everything settled on the lease so far, all nodes
}

// remaining is what is left of the hold to charge. Only an active lease
// has any: an exhausted one used it up, and closing releases the rest.
func (r leaseRow) remaining() int64 {
	if r.Status != store.LeaseActive {
		return 0
	}
	return r.HoldMicros - r.charged
}

// scanLease reads one leases row selected as leaseColumns, charged_micros.
func scanLease(row interface{ Scan(...any) error }) (leaseRow, error) {
	var (
		r                                  leaseRow
		status, protocols, nodes, coverage string
		created, expires, closedN          int64
	)
	err := row.Scan(&r.ID, &r.BuyerID, &status, &r.PriceMicrosPerGB, &r.FeeBPS, &r.HoldMicros,
		&r.RateBps, &protocols, &nodes, &created, &expires, &closedN, &r.MaxBytes, &r.Mode, &r.BuyerKey,
		&coverage, &r.KeyID, &r.charged)
	if err != nil {
		return leaseRow{}, err
	}
	r.Status = store.LeaseStatus(status)
	if r.Protocols, err = decodeList(protocols); err != nil {
		return leaseRow{}, err
	}
	if r.NodeIDs, err = decodeList(nodes); err != nil {
		return leaseRow{}, err
	}
	r.CreatedAt, r.ExpiresAt, r.ClosedAt = fromNanos(created), fromNanos(expires), fromNanos(closedN)
	if r.Coverage, err = store.DecodeCoverage(coverage); err != nil {
		return leaseRow{}, err
	}
	if len(r.BuyerKey) == 0 {
		r.BuyerKey = nil
	}
	return r, nil
}

// leaseRowByID reads one lease with its bookkeeping, or store.ErrNotFound.
func leaseRowByID(ctx context.Context, q queryer, id string) (leaseRow, error) {
	row := q.QueryRowContext(ctx,
		`SELECT `+leaseColumns+`, charged_micros FROM leases WHERE id = ?`, id)
	r, err := scanLease(row)
	if err != nil {
		return leaseRow{}, fmt.Errorf("lease %s: %w", id, notFound(err))
	}
	return r, nil
}

// lease reads one lease, or store.ErrNotFound.
func lease(ctx context.Context, q queryer, id string) (store.Lease, error) {
	r, err := leaseRowByID(ctx, q, id)
	return r.Lease, err
}

// Lease returns the lease with the given ID, or store.ErrNotFound.
func (s *Store) Lease(ctx context.Context, id string) (store.Lease, error) {
	return lease(ctx, s.db, id)
}

// Leases lists a buyer's leases with IDs after afterID, in ID order. limit
// is clamped to 1..1000; 0 means 100.
func (s *Store) Leases(ctx context.Context, buyerID, afterID string, limit int) ([]store.Lease, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+leaseColumns+`, charged_micros FROM leases
		WHERE buyer_id = ? AND id > ? ORDER BY id LIMIT ?`, buyerID, afterID, clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("leases of %s: %w", buyerID, err)
	}
	defer rows.Close()
	var leases []store.Lease
	for rows.Next() {
		r, err := scanLease(rows)
		if err != nil {
			return nil, fmt.Errorf("leases of %s: %w", buyerID, err)
		}
		leases = append(leases, r.Lease)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("leases of %s: %w", buyerID, err)
	}
	return leases, nil
}
