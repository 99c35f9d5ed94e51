package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/sparelink/sparelink/broker/store"
)

// leaseColumns is the column list scanLease expects, in insert order,
// followed by charged_micros.
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
func scanLease(row pgx.Row) (leaseRow, error) {
	var (
		r                         leaseRow
		status, coverage          string
		created, expires, closedN int64
	)
	err := row.Scan(&r.ID, &r.BuyerID, &status, &r.PriceMicrosPerGB, &r.FeeBPS, &r.HoldMicros,
		&r.RateBps, &r.Protocols, &r.NodeIDs, &created, &expires, &closedN, &r.MaxBytes, &r.Mode, &r.BuyerKey,
		&coverage, &r.KeyID, &r.charged)
	if err != nil {
		return leaseRow{}, err
	}
	r.Status = store.LeaseStatus(status)
	r.Protocols, r.NodeIDs = unlist(r.Protocols), unlist(r.NodeIDs)
	r.CreatedAt, r.ExpiresAt, r.ClosedAt = fromNanos(created), fromNanos(expires), fromNanos(closedN)
	var err2 error
	if r.Coverage, err2 = store.DecodeCoverage(coverage); err2 != nil {
		return leaseRow{}, err2
	}
	if len(r.BuyerKey) == 0 {
		r.BuyerKey = nil
	}
	return r, nil
}

// leaseRowByID reads one lease with its bookkeeping, or store.ErrNotFound.
// With lock set it also locks the row against other writers (but not
// against inserts referring to it) until the transaction ends.
func leaseRowByID(ctx context.Context, q querier, id string, lock bool) (leaseRow, error) {
	sql := `SELECT ` + leaseColumns + `, charged_micros FROM leases WHERE id = $1`
	if lock {
		sql += ` FOR NO KEY UPDATE`
	}
	r, err := scanLease(q.QueryRow(ctx, sql, id))
	if err != nil {
		return leaseRow{}, fmt.Errorf("lease %s: %w", id, notFound(err))
	}
	return r, nil
}

// lease reads one lease, or store.ErrNotFound.
func lease(ctx context.Context, q querier, id string) (store.Lease, error) {
	r, err := leaseRowByID(ctx, q, id, false)
	return r.Lease, err
}

// Lease returns the lease with the given ID, or store.ErrNotFound.
func (s *Store) Lease(ctx context.Context, id string) (store.Lease, error) {
	return lease(ctx, s.pool, id)
}

// Leases lists a buyer's leases with IDs after afterID, in ID order. limit
// is clamped to 1..1000; 0 means 100.
func (s *Store) Leases(ctx context.Context, buyerID, afterID string, limit int) ([]store.Lease, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+leaseColumns+`, charged_micros FROM leases
		WHERE buyer_id = $1 AND id > $2 ORDER BY id LIMIT $3`, buyerID, afterID, clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("leases of %s: %w", buyerID, constraint(err))
	}
	leases, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Lease, error) {
		l, err := scanLease(r)
		return l.Lease, err
	})
	if err != nil {
		return nil, fmt.Errorf("leases of %s: %w", buyerID, constraint(err))
	}
	return leases, nil
}
