package sqlite

import (
	"context"
	"fmt"
	"strconv"

	"github.com/sparelink/sparelink/broker/store"
)

// question renders SQLite's positional placeholder.
func question(i int) string { return "?" + strconv.Itoa(i) }

// RecordHeartbeat stores a node's latest spare capacity, report and
// LastSeen (now when h.At is zero). An unknown node is store.ErrNotFound.
func (s *Store) RecordHeartbeat(ctx context.Context, h store.Heartbeat) error {
	if h.At.IsZero() {
		h.At = s.now()
	}
	args := store.HeartbeatArgs(h)
	q := `UPDATE nodes SET ` + store.HeartbeatSet(question) + ` WHERE id = ` + question(len(args))
	return s.updateNode(ctx, "heartbeat", h.NodeID, q, args...)
}

// RecordLinkProbe stores one direction of a node's line throughput as the
// broker measured it (at now when p.At is zero).
func (s *Store) RecordLinkProbe(ctx context.Context, p store.LinkProbe) error {
	if p.At.IsZero() {
		p.At = s.now()
	}
	col := "probe_down_bps"
	if p.Up {
		col = "probe_up_bps"
	}
	return s.updateNode(ctx, "link probe", p.NodeID,
		`UPDATE nodes SET `+col+` = ?, probed_at = ? WHERE id = ?`, p.Bps, toNanos(p.At), p.NodeID)
}

// RecordCheck counts one reachability check of a node's exit (at now when
// c.At is zero).
func (s *Store) RecordCheck(ctx context.Context, c store.Check) error {
	if c.At.IsZero() {
		c.At = s.now()
	}
	args := store.CheckArgs(c)
	q := `UPDATE nodes SET ` + store.CheckSet(question) + ` WHERE id = ` + question(len(args))
	return s.updateNode(ctx, "check", c.NodeID, q, args...)
}

// updateNode runs an UPDATE of one node's row; no row is store.ErrNotFound.
func (s *Store) updateNode(ctx context.Context, what, id, q string, args ...any) error {
	res, err := s.exec(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, id, err)
	}
	if n == 0 {
		return fmt.Errorf("%s %s: %w", what, id, store.ErrNotFound)
	}
	return nil
}
