package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sparelink/sparelink/broker/store"
)

// EndedLeases lists up to limit leases served by nodeID that are not
// active and ended at or after since, most recently ended first. The
// leases_ended index narrows the scan to leases that ended since then.
func (s *Store) EndedLeases(ctx context.Context, nodeID string, since time.Time, limit int) ([]store.EndedLease, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, status, expires_at, ended_at FROM leases
		WHERE ended_at > 0 AND ended_at >= $1 AND status <> $2 AND $3 = ANY(node_ids)
		ORDER BY ended_at DESC, id LIMIT $4`,
		max(toNanos(since), 1), string(store.LeaseActive), nodeID, clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("ended leases of %s: %w", nodeID, constraint(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.EndedLease, error) {
		var (
			e              store.EndedLease
			status         string
			expires, ended int64
		)
		err := r.Scan(&e.LeaseID, &status, &expires, &ended)
		e.Status, e.ExpiresAt, e.EndedAt = store.LeaseStatus(status), fromNanos(expires), fromNanos(ended)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("ended leases of %s: %w", nodeID, constraint(err))
	}
	return out, nil
}
