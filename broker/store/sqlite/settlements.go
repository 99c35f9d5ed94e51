package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"

	"github.com/sparelink/sparelink/broker/store"
)

// recordSettlement writes what one Settle call changed, stamped now.
func (s *Store) recordSettlement(ctx context.Context, tx *sql.Tx, r store.SettlementRecord) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO settlements (txn_id, lease_id, node_id, operator_id, seq,
		bytes_up, bytes_down, charged_micros, fee_micros, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.TxnID, r.LeaseID, r.NodeID, r.OperatorID, int64(r.Seq), r.BytesUp, r.BytesDown,
		r.ChargedMicros, r.FeeMicros, toNanos(s.now()))
	if err != nil {
		return fmt.Errorf("record settlement of %s on %s: %w", r.LeaseID, r.NodeID, err)
	}
	return nil
}

// Settlements lists an operator's settlement records; see store.Store.
func (s *Store) Settlements(ctx context.Context, f store.SettlementFilter) ([]store.SettlementRecord, error) {
	to := int64(math.MaxInt64)
	if !f.To.IsZero() {
		to = toNanos(f.To)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, txn_id, lease_id, node_id, operator_id, seq, bytes_up,
		bytes_down, charged_micros, fee_micros, created_at FROM settlements
		WHERE operator_id = ? AND created_at >= ? AND created_at < ? AND id > ? ORDER BY id LIMIT ?`,
		f.OperatorID, toNanos(f.From), to, f.AfterID, clampLimit(f.Limit))
	if err != nil {
		return nil, fmt.Errorf("settlements of %s: %w", f.OperatorID, err)
	}
	defer rows.Close()
	var out []store.SettlementRecord
	for rows.Next() {
		var (
			r       store.SettlementRecord
			seq, at int64
		)
		if err := rows.Scan(&r.ID, &r.TxnID, &r.LeaseID, &r.NodeID, &r.OperatorID, &seq, &r.BytesUp,
			&r.BytesDown, &r.ChargedMicros, &r.FeeMicros, &at); err != nil {
			return nil, fmt.Errorf("settlements of %s: %w", f.OperatorID, err)
		}
		r.Seq, r.CreatedAt = uint64(seq), fromNanos(at)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("settlements of %s: %w", f.OperatorID, err)
	}
	return out, nil
}
