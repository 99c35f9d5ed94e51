package store

import (
	"context"
	"strings"
	"time"
)

// WireGuardPeer is a buyer's WireGuard key admitted on one exit for one
// lease. Index is the host index of its tunnel addresses in the exit's
// pools (api.WireGuardPrefix4/6).
type WireGuardPeer struct {
	LeaseID   string
	NodeID    string
	PublicKey []byte // Curve25519, 32 bytes
	Index     int
	CreatedAt time.Time
}

// Bounds of the indexes EnsureWireGuardPeer hands out (api's
// WireGuardFirstIndex and WireGuardMaxIndex).
const (
	WireGuardFirstIndex = 2
	WireGuardMaxIndex   = 65534
)

// WireGuardStore keeps nodes' WireGuard exits and the peers admitted on
// them. It is part of Store.
type WireGuardStore interface {
	// SetNodeWireGuard sets a known node's WireGuard exit key and address.
	SetNodeWireGuard(ctx context.Context, nodeID string, publicKey []byte, addr string) error
	// EnsureWireGuardPeer returns the peer of (p.LeaseID, p.NodeID),
	// creating it with p's key and the lowest index not held by another
	// peer of the node whose lease is active or exhausted. An existing
	// peer is returned as stored, whatever p's key. ErrConflict when the
	// node has no free index; ErrNotFound for an unknown lease or node.
	EnsureWireGuardPeer(ctx context.Context, p WireGuardPeer) (WireGuardPeer, error)
	// LeaseWireGuardPeers lists a lease's peers, by node ID.
	LeaseWireGuardPeers(ctx context.Context, leaseID string) ([]WireGuardPeer, error)
	// NodeWireGuardPeers lists the peers on a node of leases that are
	// active (not exhausted: those carry no traffic), by index.
	NodeWireGuardPeers(ctx context.Context, nodeID string) ([]WireGuardPeer, error)
}

// FreeIndex returns the lowest index from WireGuardFirstIndex not in used
// (sorted ascending), or false when all up to WireGuardMaxIndex are taken.
func FreeIndex(used []int) (int, bool) {
	want := WireGuardFirstIndex
	for _, u := range used {
		switch {
		case u < want:
			continue
		case u == want:
			want++
		default:
			return want, true
		}
	}
	return want, want <= WireGuardMaxIndex
}

// PeerColumns is the wg_peers column list both engines scan, in order.
const PeerColumns = `lease_id, node_id, public_key, addr_index, created_at`

// PeerColumnsOf is PeerColumns qualified by a table alias.
func PeerColumnsOf(alias string) string {
	cols := strings.Split(PeerColumns, ", ")
	for i, c := range cols {
		cols[i] = alias + "." + c
	}
	return strings.Join(cols, ", ")
}
