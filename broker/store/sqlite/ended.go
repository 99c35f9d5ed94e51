package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/sparelink/sparelink/broker/store"
)

// EndedLeases lists up to limit leases served by nodeID that are not
// active and ended at or after since, most recently ended first. The
// leases_ended index narrows the scan to leases that ended since then;
// node_ids is a JSON array, searched with json_each.
func (s *Store) EndedLeases(ctx context.Context, nodeID string, since time.Time, limit int) ([]store.EndedLease, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, status, expires_at, ended_at FROM leases
		WHERE ended_at > 0 AND ended_at >= ? AND status <> ?
		AND EXISTS (SELECT 1 FROM json_each(leases.node_ids) WHERE json_each.value = ?)
		ORDER BY ended_at DESC, id LIMIT ?`,
		max(toNanos(since), 1), string(store.LeaseActive), nodeID, clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("ended leases of %s: %w", nodeID, err)
	}
	defer rows.Close()
	var out []store.EndedLease
	for rows.Next() {
		var (
			e              store.EndedLease
			status         string
			expires, ended int64
		)
		if err := rows.Scan(&e.LeaseID, &status, &expires, &ended); err != nil {
			return nil, fmt.Errorf("ended leases of %s: %w", nodeID, err)
		}
		e.Status, e.ExpiresAt, e.EndedAt = store.LeaseStatus(status), fromNanos(expires), fromNanos(ended)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ended leases of %s: %w", nodeID, err)
	}
	return out, nil
}
