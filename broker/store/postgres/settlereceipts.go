package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/sparelink/sparelink/broker/store"
)

// nonNil stores nil byte slices as empty byte strings, which the NOT NULL
// columns require.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// AddReceipt stores a verified receipt once; see store.ReceiptLog.
func (s *Store) AddReceipt(ctx context.Context, r store.ReceiptRecord) (bool, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO receipts (lease_id, node_id, seq, countersigned, data, received_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (lease_id, node_id, seq) DO UPDATE
		SET countersigned = excluded.countersigned, data = excluded.data
		WHERE NOT receipts.countersigned AND excluded.countersigned`,
		r.LeaseID, r.NodeID, int64(r.Seq), r.Countersigned, r.Data, toNanos(s.now()))
	if err != nil {
		return false, fmt.Errorf("add receipt %s/%s/%d: %w", r.LeaseID, r.NodeID, r.Seq, constraint(err))
	}
	return tag.RowsAffected() > 0, nil
}

// LeaseReceipts lists a lease's receipts; see store.ReceiptLog.
func (s *Store) LeaseReceipts(ctx context.Context, leaseID string) ([]store.ReceiptRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT lease_id, node_id, seq, countersigned, data, received_at
		FROM receipts WHERE lease_id = $1 ORDER BY node_id, seq`, leaseID)
	if err != nil {
		return nil, fmt.Errorf("receipts of %s: %w", leaseID, constraint(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.ReceiptRecord, error) {
		var (
			r       store.ReceiptRecord
			seq, at int64
		)
		err := row.Scan(&r.LeaseID, &r.NodeID, &seq, &r.Countersigned, &r.Data, &at)
		r.Seq, r.ReceivedAt = uint64(seq), fromNanos(at)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("receipts of %s: %w", leaseID, constraint(err))
	}
	return out, nil
}

// AddDispute stores a dispute once; see store.ReceiptLog.
func (s *Store) AddDispute(ctx context.Context, d store.Dispute) (bool, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO disputes (lease_id, node_id, seq, source, buyer_id,
		operator_id, claimed_up, claimed_down, agreed_up, agreed_down, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
		d.LeaseID, d.NodeID, int64(d.Seq), d.Source, d.BuyerID, d.OperatorID,
		d.ClaimedUp, d.ClaimedDown, d.AgreedUp, d.AgreedDown, toNanos(s.now()))
	if err != nil {
		return false, fmt.Errorf("add dispute on %s/%s/%d: %w", d.LeaseID, d.NodeID, d.Seq, constraint(err))
	}
	return tag.RowsAffected() > 0, nil
}

// Disputes lists disputes; see store.ReceiptLog.
func (s *Store) Disputes(ctx context.Context, f store.DisputeFilter) ([]store.Dispute, error) {
	if f == (store.DisputeFilter{}) {
		return nil, fmt.Errorf("disputes: empty filter: %w", store.ErrInvalid)
	}
	rows, err := s.pool.Query(ctx, `SELECT lease_id, node_id, seq, source, buyer_id, operator_id,
		claimed_up, claimed_down, agreed_up, agreed_down, created_at FROM disputes
		WHERE ($1 = '' OR lease_id = $1) AND ($2 = '' OR buyer_id = $2) AND ($3 = '' OR operator_id = $3)
		ORDER BY id LIMIT 1000`, f.LeaseID, f.BuyerID, f.OperatorID)
	if err != nil {
		return nil, fmt.Errorf("disputes: %w", constraint(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Dispute, error) {
		var (
			d       store.Dispute
			seq, at int64
		)
		err := row.Scan(&d.LeaseID, &d.NodeID, &seq, &d.Source, &d.BuyerID, &d.OperatorID,
			&d.ClaimedUp, &d.ClaimedDown, &d.AgreedUp, &d.AgreedDown, &at)
		d.Seq, d.CreatedAt = uint64(seq), fromNanos(at)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("disputes: %w", constraint(err))
	}
	return out, nil
}
