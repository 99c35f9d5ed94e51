package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/sparelink/sparelink/broker/store"
)

// nonNil stores nil byte slices as empty blobs, which the NOT NULL
// columns require.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// AddReceipt stores a verified receipt once; see store.ReceiptLog.
func (s *Store) AddReceipt(ctx context.Context, r store.ReceiptRecord) (bool, error) {
	var changed bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO receipts (lease_id, node_id, seq, countersigned, data, received_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (lease_id, node_id, seq) DO UPDATE
			SET countersigned = excluded.countersigned, data = excluded.data
			WHERE receipts.countersigned = 0 AND excluded.countersigned = 1`,
			r.LeaseID, r.NodeID, int64(r.Seq), r.Countersigned, r.Data, toNanos(s.now()))
		if err != nil {
			return constraint(err)
		}
		n, err := res.RowsAffected()
		changed = n > 0
		return err
	})
	if err != nil {
		return false, fmt.Errorf("add receipt %s/%s/%d: %w", r.LeaseID, r.NodeID, r.Seq, err)
	}
	return changed, nil
}

// LeaseReceipts lists a lease's receipts; see store.ReceiptLog.
func (s *Store) LeaseReceipts(ctx context.Context, leaseID string) ([]store.ReceiptRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT lease_id, node_id, seq, countersigned, data, received_at
		FROM receipts WHERE lease_id = ? ORDER BY node_id, seq`, leaseID)
	if err != nil {
		return nil, fmt.Errorf("receipts of %s: %w", leaseID, err)
	}
	defer rows.Close()
	var out []store.ReceiptRecord
	for rows.Next() {
		var (
			r       store.ReceiptRecord
			seq, at int64
		)
		if err := rows.Scan(&r.LeaseID, &r.NodeID, &seq, &r.Countersigned, &r.Data, &at); err != nil {
			return nil, fmt.Errorf("receipts of %s: %w", leaseID, err)
		}
		r.Seq, r.ReceivedAt = uint64(seq), fromNanos(at)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("receipts of %s: %w", leaseID, err)
	}
	return out, nil
}

// AddDispute stores a dispute once; see store.ReceiptLog.
func (s *Store) AddDispute(ctx context.Context, d store.Dispute) (bool, error) {
	var added bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO disputes (lease_id, node_id, seq, source, buyer_id,
			operator_id, claimed_up, claimed_down, agreed_up, agreed_down, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			d.LeaseID, d.NodeID, int64(d.Seq), d.Source, d.BuyerID, d.OperatorID,
			d.ClaimedUp, d.ClaimedDown, d.AgreedUp, d.AgreedDown, toNanos(s.now()))
		if err != nil {
			return constraint(err)
		}
		n, err := res.RowsAffected()
		added = n > 0
		return err
	})
	if err != nil {
		return false, fmt.Errorf("add dispute on %s/%s/%d: %w", d.LeaseID, d.NodeID, d.Seq, err)
	}
	return added, nil
}

// Disputes lists disputes; see store.ReceiptLog.
func (s *Store) Disputes(ctx context.Context, f store.DisputeFilter) ([]store.Dispute, error) {
	if f == (store.DisputeFilter{}) {
		return nil, fmt.Errorf("disputes: empty filter: %w", store.ErrInvalid)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT lease_id, node_id, seq, source, buyer_id, operator_id,
		claimed_up, claimed_down, agreed_up, agreed_down, created_at FROM disputes
		WHERE (? = '' OR lease_id = ?) AND (? = '' OR buyer_id = ?) AND (? = '' OR operator_id = ?)
		ORDER BY id LIMIT 1000`, f.LeaseID, f.LeaseID, f.BuyerID, f.BuyerID, f.OperatorID, f.OperatorID)
	if err != nil {
		return nil, fmt.Errorf("disputes: %w", err)
	}
	defer rows.Close()
	var out []store.Dispute
	for rows.Next() {
		var (
			d       store.Dispute
			seq, at int64
		)
		if err := rows.Scan(&d.LeaseID, &d.NodeID, &seq, &d.Source, &d.BuyerID, &d.OperatorID,
			&d.ClaimedUp, &d.ClaimedDown, &d.AgreedUp, &d.AgreedDown, &at); err != nil {
			return nil, fmt.Errorf("disputes: %w", err)
		}
		d.Seq, d.CreatedAt = uint64(seq), fromNanos(at)
		out = append(out, d)
	}
	return out, rows.Err()
}
