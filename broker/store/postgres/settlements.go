package postgres

import (
	"context"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"

	"github.com/sparelink/sparelink/broker/store"
)

// recordSettlement writes what one Settle call changed, stamped now. Settle
// holds the operator's account lock (see lockAccounts), so an operator's
// records get IDs in commit order and paging by ID misses none.
func (s *Store) recordSettlement(ctx context.Context, tx pgx.Tx, r store.SettlementRecord) error {
	_, err := tx.Exec(ctx, `INSERT INTO settlements (txn_id, lease_id, node_id, operator_id, seq,
		bytes_up, bytes_down, charged_micros, fee_micros, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
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
	rows, err := s.pool.Query(ctx, `SELECT id, txn_id, lease_id, node_id, operator_id, seq, bytes_up,
		bytes_down, charged_micros, fee_micros, created_at FROM settlements
		WHERE operator_id = $1 AND created_at >= $2 AND created_at < $3 AND id > $4 ORDER BY id LIMIT $5`,
		f.OperatorID, toNanos(f.From), to, f.AfterID, clampLimit(f.Limit))
	if err != nil {
		return nil, fmt.Errorf("settlements of %s: %w", f.OperatorID, constraint(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.SettlementRecord, error) {
		var (
			r       store.SettlementRecord
			seq, at int64
		)
		err := row.Scan(&r.ID, &r.TxnID, &r.LeaseID, &r.NodeID, &r.OperatorID, &seq, &r.BytesUp,
			&r.BytesDown, &r.ChargedMicros, &r.FeeMicros, &at)
		r.Seq, r.CreatedAt = uint64(seq), fromNanos(at)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("settlements of %s: %w", f.OperatorID, constraint(err))
	}
	return out, nil
}
