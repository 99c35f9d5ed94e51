package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/sparelink/sparelink/broker/store"
)

// SetNodeWireGuard sets a node's WireGuard exit key and address.
func (s *Store) SetNodeWireGuard(ctx context.Context, nodeID string, publicKey []byte, addr string) error {
	if publicKey == nil {
		publicKey = []byte{}
	}
	return s.updateNode(ctx, "wireguard", nodeID,
		`UPDATE nodes SET wg_public_key = ?, wg_addr = ? WHERE id = ?`, publicKey, addr, nodeID)
}

// EnsureWireGuardPeer returns the lease's peer on the node, creating it
// with the lowest free index.
func (s *Store) EnsureWireGuardPeer(ctx context.Context, p store.WireGuardPeer) (store.WireGuardPeer, error) {
	if p.LeaseID == "" || p.NodeID == "" || len(p.PublicKey) == 0 {
		return p, fmt.Errorf("wireguard peer: empty lease, node or key: %w", store.ErrInvalid)
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = s.now()
	}
	var out store.WireGuardPeer
	err := s.write(ctx, func(tx *sql.Tx) error {
		got, err := scanPeer(tx.QueryRowContext(ctx, `SELECT `+peerColumns+` FROM wg_peers
			WHERE lease_id = ? AND node_id = ?`, p.LeaseID, p.NodeID))
		if err == nil {
			out = got
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		used, err := usedIndexes(ctx, tx, p.NodeID)
		if err != nil {
			return err
		}
		idx, ok := store.FreeIndex(used)
		if !ok {
			return fmt.Errorf("node %s has no free tunnel address: %w", p.NodeID, store.ErrConflict)
		}
		p.Index = idx
		_, err = tx.ExecContext(ctx, `INSERT INTO wg_peers (`+peerColumns+`) VALUES (?, ?, ?, ?, ?)`,
			p.LeaseID, p.NodeID, p.PublicKey, p.Index, toNanos(p.CreatedAt))
		out = p
		return constraint(err)
	})
	if err != nil {
		return store.WireGuardPeer{}, fmt.Errorf("wireguard peer of %s on %s: %w", p.LeaseID, p.NodeID, err)
	}
	return out, nil
}

// usedIndexes lists, ascending, the indexes a node's peers hold for
// leases that may still carry traffic.
func usedIndexes(ctx context.Context, tx *sql.Tx, nodeID string) ([]int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT w.addr_index FROM wg_peers w JOIN leases l ON l.id = w.lease_id
		WHERE w.node_id = ? AND l.status IN (?, ?) ORDER BY w.addr_index`,
		nodeID, store.LeaseActive, store.LeaseExhausted)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var used []int
	for rows.Next() {
		var i int
		if err := rows.Scan(&i); err != nil {
			return nil, err
		}
		used = append(used, i)
	}
	return used, rows.Err()
}

// LeaseWireGuardPeers lists a lease's peers by node ID.
func (s *Store) LeaseWireGuardPeers(ctx context.Context, leaseID string) ([]store.WireGuardPeer, error) {
	return s.peers(ctx, `SELECT `+peerColumns+` FROM wg_peers WHERE lease_id = ? ORDER BY node_id`, leaseID)
}

// NodeWireGuardPeers lists the peers of a node's active leases by index.
func (s *Store) NodeWireGuardPeers(ctx context.Context, nodeID string) ([]store.WireGuardPeer, error) {
	return s.peers(ctx, `SELECT `+store.PeerColumnsOf("w")+` FROM wg_peers w JOIN leases l ON l.id = w.lease_id
		WHERE w.node_id = ? AND l.status = ? ORDER BY w.addr_index`, nodeID, store.LeaseActive)
}

func (s *Store) peers(ctx context.Context, q string, args ...any) ([]store.WireGuardPeer, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("wireguard peers: %w", err)
	}
	defer rows.Close()
	var out []store.WireGuardPeer
	for rows.Next() {
		p, err := scanPeer(rows)
		if err != nil {
			return nil, fmt.Errorf("wireguard peers: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("wireguard peers: %w", err)
	}
	return out, nil
}

// peerColumns is the column list scanPeer reads.
const peerColumns = store.PeerColumns

func scanPeer(row interface{ Scan(...any) error }) (store.WireGuardPeer, error) {
	var (
		p       store.WireGuardPeer
		created int64
	)
	if err := row.Scan(&p.LeaseID, &p.NodeID, &p.PublicKey, &p.Index, &created); err != nil {
		return p, err
	}
	p.CreatedAt = fromNanos(created)
	return p, nil
}
