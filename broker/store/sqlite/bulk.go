package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/sparelink/sparelink/broker/store"
)

// InsertNodes stores many new nodes in one transaction, each as
// UpsertNode would insert it, and is much faster than UpsertNode in a
// loop because SQLite commits once. It is for benchmarks and tools that
// seed a market; it is not part of store.Store, and brokers never call
// it. Any failure (an empty ID or operator, an unknown operator, an ID
// already stored) rolls the whole batch back.
func (s *Store) InsertNodes(ctx context.Context, nodes []store.Node) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO nodes (`+nodeColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		defer stmt.Close()
		for _, n := range nodes {
			args, err := s.insertArgs(n)
			if err != nil {
				return err
			}
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("node %s: %w", n.ID, constraint(err))
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("insert %d nodes: %w", len(nodes), err)
	}
	return nil
}

// insertArgs are the column values of a new node, in nodeColumns order.
func (s *Store) insertArgs(n store.Node) ([]any, error) {
	if n.ID == "" || n.OperatorID == "" {
		return nil, fmt.Errorf("node %q: empty id or operator: %w", n.ID, store.ErrInvalid)
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = s.now()
	}
	protocols, err := encodeList(n.Protocols)
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", n.ID, err)
	}
	if n.PublicKey == nil {
		n.PublicKey = []byte{}
	}
	return []any{n.ID, n.OperatorID, n.PublicKey, n.Region.Country, n.Region.Subdivision, n.Region.City,
		n.ASN, n.ConnType, protocols, n.QUICAddr, n.PriceMicrosPerGB, n.CapacityBps,
		n.SpareBps, n.EgressSummary, toNanos(n.LastSeen), toNanos(n.CreatedAt)}, nil
}
