package sqlite

import (
	"context"
	"fmt"
	"time"

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
	res, err := s.exec(ctx, `INSERT INTO node_commands (node_id, type, payload, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?)`, c.NodeID, c.Type, c.Payload, toNanos(c.CreatedAt), toNanos(c.ExpiresAt))
	if err != nil {
		return 0, fmt.Errorf("queue command for %s: %w", c.NodeID, constraint(err))
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("queue command for %s: %w", c.NodeID, err)
	}
	return id, nil
}

// Commands returns up to limit of the node's live commands after after.
func (s *Store) Commands(ctx context.Context, nodeID string, after int64, now time.Time, limit int) ([]store.Command, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, node_id, type, payload, created_at, expires_at
		FROM node_commands WHERE node_id = ? AND id > ? AND expires_at > ? ORDER BY id LIMIT ?`,
		nodeID, after, toNanos(now), limit)
	if err != nil {
		return nil, fmt.Errorf("commands for %s: %w", nodeID, err)
	}
	defer rows.Close()
	var out []store.Command
	for rows.Next() {
		var (
			c                store.Command
			created, expires int64
		)
		if err := rows.Scan(&c.ID, &c.NodeID, &c.Type, &c.Payload, &created, &expires); err != nil {
			return nil, fmt.Errorf("commands for %s: %w", nodeID, err)
		}
		c.CreatedAt, c.ExpiresAt = fromNanos(created), fromNanos(expires)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("commands for %s: %w", nodeID, err)
	}
	return out, nil
}

// AckCommands deletes the node's acknowledged commands and every expired
// one.
func (s *Store) AckCommands(ctx context.Context, nodeID string, upTo int64, now time.Time) error {
	_, err := s.exec(ctx, `DELETE FROM node_commands WHERE (node_id = ? AND id <= ?) OR expires_at <= ?`,
		nodeID, upTo, toNanos(now))
	if err != nil {
		return fmt.Errorf("acknowledge commands of %s: %w", nodeID, err)
	}
	return nil
}
