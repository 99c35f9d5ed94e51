package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/sparelink/sparelink/broker/store"
)

// AddLeaseExit adds a node to an active lease's exits.
func (s *Store) AddLeaseExit(ctx context.Context, leaseID, nodeID string, maxExits int) (store.Lease, error) {
	var out store.Lease
	err := s.write(ctx, func(tx *sql.Tx) error {
		l, err := lease(ctx, tx, leaseID)
		if err != nil {
			return err
		}
		ids, changed, err := store.WithExit(l, nodeID, maxExits)
		if err != nil || !changed {
			out = l
			return err
		}
		enc, err := encodeList(ids)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE leases SET node_ids = ? WHERE id = ?`, enc, leaseID); err != nil {
			return err
		}
		out, err = lease(ctx, tx, leaseID)
		return err
	})
	if err != nil {
		return store.Lease{}, fmt.Errorf("add exit %s to lease %s: %w", nodeID, leaseID, err)
	}
	return out, nil
}
