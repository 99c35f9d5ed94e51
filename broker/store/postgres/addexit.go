package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/sparelink/sparelink/broker/store"
)

// AddLeaseExit adds a node to an active lease's exits. The lease's row is
// locked for the change, so concurrent additions (through any replica)
// both land or meet the limit.
func (s *Store) AddLeaseExit(ctx context.Context, leaseID, nodeID string, maxExits int) (store.Lease, error) {
	var out store.Lease
	err := s.write(ctx, func(tx pgx.Tx) error {
		r, err := leaseRowByID(ctx, tx, leaseID, true)
		if err != nil {
			return err
		}
		ids, changed, err := store.WithExit(r.Lease, nodeID, maxExits)
		if err != nil || !changed {
			out = r.Lease
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE leases SET node_ids = $1 WHERE id = $2`, list(ids), leaseID); err != nil {
			return err
		}
		r.NodeIDs, out = ids, r.Lease
		out.NodeIDs = ids
		return nil
	})
	if err != nil {
		return store.Lease{}, fmt.Errorf("add exit %s to lease %s: %w", nodeID, leaseID, err)
	}
	return out, nil
}
