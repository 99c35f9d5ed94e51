package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/sparelink/sparelink/broker/store"
)

// usageRow reads the pair's state; seen is false when nothing was ever
// settled for it. The caller holds the lease's row lock, which keeps the
// pair's row stable until it commits.
func usageRow(ctx context.Context, tx pgx.Tx, leaseID, nodeID string) (u usageState, seen bool, err error) {
	var seq int64
	err = tx.QueryRow(ctx, `SELECT seq, bytes_up, bytes_down, charged_micros, fee_micros, updated_at
		FROM usage WHERE lease_id = $1 AND node_id = $2`, leaseID, nodeID).
		Scan(&seq, &u.up, &u.down, &u.charged, &u.fee, &u.updatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return usageState{}, false, nil
	}
	if err != nil {
		return usageState{}, false, fmt.Errorf("usage of %s on %s: %w", leaseID, nodeID, err)
	}
	u.seq = uint64(seq)
	return u, true, nil
}

// writeUsage stores the pair's new state, stamped now.
func (s *Store) writeUsage(ctx context.Context, tx pgx.Tx, leaseID, nodeID string, u usageState) error {
	_, err := tx.Exec(ctx, `INSERT INTO usage
		(lease_id, node_id, seq, bytes_up, bytes_down, charged_micros, fee_micros, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (lease_id, node_id) DO UPDATE SET
			seq = excluded.seq, bytes_up = excluded.bytes_up, bytes_down = excluded.bytes_down,
			charged_micros = excluded.charged_micros, fee_micros = excluded.fee_micros,
			updated_at = excluded.updated_at`,
		leaseID, nodeID, int64(u.seq), u.up, u.down, u.charged, u.fee, toNanos(s.now()))
	if err != nil {
		return fmt.Errorf("write usage of %s on %s: %w", leaseID, nodeID, constraint(err))
	}
	return nil
}

// Usage lists the settled state of every exit of the lease, ordered by node
// ID. A lease with no receipts yet has none; an unknown lease is
// store.ErrNotFound.
func (s *Store) Usage(ctx context.Context, leaseID string) ([]store.Usage, error) {
	var out []store.Usage
	err := s.read(ctx, func(tx pgx.Tx) error {
		if _, err := leaseRowByID(ctx, tx, leaseID, false); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT node_id, seq, bytes_up, bytes_down, charged_micros,
			fee_micros, updated_at FROM usage WHERE lease_id = $1 ORDER BY node_id`, leaseID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Usage, error) {
			u := store.Usage{LeaseID: leaseID}
			var seq, at int64
			err := r.Scan(&u.NodeID, &seq, &u.BytesUp, &u.BytesDown, &u.ChargedMicros, &u.FeeMicros, &at)
			u.Seq, u.UpdatedAt = uint64(seq), fromNanos(at)
			return u, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("usage of %s: %w", leaseID, err)
	}
	return out, nil
}
