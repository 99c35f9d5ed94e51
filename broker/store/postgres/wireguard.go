package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/sparelink/sparelink/broker/store"
)

// SetNodeWireGuard sets a node's WireGuard exit key and address.
func (s *Store) SetNodeWireGuard(ctx context.Context, nodeID string, publicKey []byte, addr string) error {
	return s.updateNode(ctx, "wireguard", nodeID,
		`UPDATE nodes SET wg_public_key = $1, wg_addr = $2 WHERE id = $3`, blob(publicKey), addr, nodeID)
}

// EnsureWireGuardPeer returns the lease's peer on the node, creating it
// with the lowest free index. The node's row is locked for the choice, so
// concurrent leases on one node (through any replica) get distinct
// indexes.
func (s *Store) EnsureWireGuardPeer(ctx context.Context, p store.WireGuardPeer) (store.WireGuardPeer, error) {
	if p.LeaseID == "" || p.NodeID == "" || len(p.PublicKey) == 0 {
		return p, fmt.Errorf("wireguard peer: empty lease, node or key: %w", store.ErrInvalid)
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = s.now()
	}
	var out store.WireGuardPeer
	err := s.write(ctx, func(tx pgx.Tx) error {
		var locked string
		err := tx.QueryRow(ctx, `SELECT id FROM nodes WHERE id = $1 FOR UPDATE`, p.NodeID).Scan(&locked)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		got, err := scanPeer(tx.QueryRow(ctx, `SELECT `+store.PeerColumns+` FROM wg_peers
			WHERE lease_id = $1 AND node_id = $2`, p.LeaseID, p.NodeID))
		if err == nil {
			out = got
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT w.addr_index FROM wg_peers w JOIN leases l ON l.id = w.lease_id
			WHERE w.node_id = $1 AND l.status IN ($2, $3) ORDER BY w.addr_index`,
			p.NodeID, string(store.LeaseActive), string(store.LeaseExhausted))
		if err != nil {
			return err
		}
		used, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (int, error) {
			var i int64
			err := r.Scan(&i)
			return int(i), err
		})
		if err != nil {
			return err
		}
		idx, ok := store.FreeIndex(used)
		if !ok {
			return fmt.Errorf("node %s has no free tunnel address: %w", p.NodeID, store.ErrConflict)
		}
		p.Index = idx
		_, err = tx.Exec(ctx, `INSERT INTO wg_peers (`+store.PeerColumns+`) VALUES ($1, $2, $3, $4, $5)`,
			p.LeaseID, p.NodeID, p.PublicKey, int64(p.Index), toNanos(p.CreatedAt))
		out = p
		return constraint(err)
	})
	if err != nil {
		return store.WireGuardPeer{}, fmt.Errorf("wireguard peer of %s on %s: %w", p.LeaseID, p.NodeID, err)
	}
	return out, nil
}

// LeaseWireGuardPeers lists a lease's peers by node ID.
func (s *Store) LeaseWireGuardPeers(ctx context.Context, leaseID string) ([]store.WireGuardPeer, error) {
	return s.peers(ctx, `SELECT `+store.PeerColumns+` FROM wg_peers WHERE lease_id = $1 ORDER BY node_id`, leaseID)
}

// NodeWireGuardPeers lists the peers of a node's active leases by index.
func (s *Store) NodeWireGuardPeers(ctx context.Context, nodeID string) ([]store.WireGuardPeer, error) {
	return s.peers(ctx, `SELECT `+store.PeerColumnsOf("w")+` FROM wg_peers w JOIN leases l ON l.id = w.lease_id
		WHERE w.node_id = $1 AND l.status = $2 ORDER BY w.addr_index`, nodeID, string(store.LeaseActive))
}

func (s *Store) peers(ctx context.Context, q string, args ...any) ([]store.WireGuardPeer, error) {
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("wireguard peers: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.WireGuardPeer, error) { return scanPeer(r) })
	if err != nil {
		return nil, fmt.Errorf("wireguard peers: %w", err)
	}
	return out, nil
}

func scanPeer(row pgx.Row) (store.WireGuardPeer, error) {
	var (
		p            store.WireGuardPeer
		idx, created int64
	)
	if err := row.Scan(&p.LeaseID, &p.NodeID, &p.PublicKey, &idx, &created); err != nil {
		return p, err
	}
	p.Index, p.CreatedAt = int(idx), fromNanos(created)
	return p, nil
}
