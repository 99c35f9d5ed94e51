package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sparelink/sparelink/broker/store"
)

// QueueCommand appends c to its node's queue and returns its ID.
func (s *Store) QueueCommand(ctx context.Context, c store.Command) (int64, error) {
	if c.NodeID == "" || c.Type == "" {
		return 0, fmt.Errorf("queue command: empty node or type: %w", store.ErrInvalid)
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = s.now()
	}
	if c.Payload == nil {
		c.Payload = []byte("{}")
	}
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO node_commands (node_id, type, payload, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		c.NodeID, c.Type, c.Payload, toNanos(c.CreatedAt), toNanos(c.ExpiresAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("queue command for %s: %w", c.NodeID, constraint(err))
	}
	return id, nil
}

// Commands returns up to limit of the node's live commands after after.
func (s *Store) Commands(ctx context.Context, nodeID string, after int64, now time.Time, limit int) ([]store.Command, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, node_id, type, payload, created_at, expires_at
		FROM node_commands WHERE node_id = $1 AND id > $2 AND expires_at > $3 ORDER BY id LIMIT $4`,
		nodeID, after, toNanos(now), limit)
	if err != nil {
		return nil, fmt.Errorf("commands for %s: %w", nodeID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Command, error) {
		var (
			c                store.Command
			created, expires int64
		)
		err := r.Scan(&c.ID, &c.NodeID, &c.Type, &c.Payload, &created, &expires)
		c.CreatedAt, c.ExpiresAt = fromNanos(created), fromNanos(expires)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("commands for %s: %w", nodeID, err)
	}
	return out, nil
}

// AckCommands deletes the node's acknowledged commands and every expired
// one.
func (s *Store) AckCommands(ctx context.Context, nodeID string, upTo int64, now time.Time) error {
	_, err := s.exec(ctx, `DELETE FROM node_commands WHERE (node_id = $1 AND id <= $2) OR expires_at <= $3`,
		nodeID, upTo, toNanos(now))
	if err != nil {
		return fmt.Errorf("acknowledge commands of %s: %w", nodeID, err)
	}
	return nil
}
