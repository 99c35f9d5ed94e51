package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/sparelink/sparelink/broker/store"
)

// usageState is the settled state of one (lease, node) pair.
type usageState struct {
	seq       uint64
	up, down  int64
	charged   int64
	fee       int64
	updatedAt int64
}

// usageRow reads the pair's state; seen is false when nothing was ever
// settled for it.
func usageRow(ctx context.Context, tx *sql.Tx, leaseID, nodeID string) (u usageState, seen bool, err error) {
	var seq int64
	err = tx.QueryRowContext(ctx, `SELECT seq, bytes_up, bytes_down, charged_micros, fee_micros, updated_at
		FROM usage WHERE lease_id = ? AND node_id = ?`, leaseID, nodeID).
		Scan(&seq, &u.up, &u.down, &u.charged, &u.fee, &u.updatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return usageState{}, false, nil
	}
	if err != nil {
		return usageState{}, false, fmt.Errorf("usage of %s on %s: %w", leaseID, nodeID, err)
	}
	u.seq = uint64(seq)
	return u, true, nil
}

// writeUsage stores the pair's new state, stamped now.
func (s *Store) writeUsage(ctx context.Context, tx *sql.Tx, leaseID, nodeID string, u usageState) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO usage
		(lease_id, node_id, seq, bytes_up, bytes_down, charged_micros, fee_micros, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
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
	err := s.read(ctx, func(tx *sql.Tx) error {
		if _, err := leaseRowByID(ctx, tx, leaseID); err != nil {
			return err
		}
		var err error
		out, err = usageList(ctx, tx, leaseID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("usage of %s: %w", leaseID, err)
	}
	return out, nil
}

// usageList reads every usage row of a lease.
func usageList(ctx context.Context, q queryer, leaseID string) ([]store.Usage, error) {
	rows, err := q.QueryContext(ctx, `SELECT node_id, seq, bytes_up, bytes_down, charged_micros,
		fee_micros, updated_at FROM usage WHERE lease_id = ? ORDER BY node_id`, leaseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Usage
	for rows.Next() {
		u := store.Usage{LeaseID: leaseID}
		var seq, at int64
		if err := rows.Scan(&u.NodeID, &seq, &u.BytesUp, &u.BytesDown, &u.ChargedMicros,
			&u.FeeMicros, &at); err != nil {
			return nil, err
		}
		u.Seq, u.UpdatedAt = uint64(seq), fromNanos(at)
		out = append(out, u)
	}
	return out, rows.Err()
}
