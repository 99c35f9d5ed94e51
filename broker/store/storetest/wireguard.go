package storetest

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/sparelink/sparelink/broker/store"
)

func testWireGuardPeers(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.buyer("b1", 100_000)
	f.operatorWithNodes("op1", "n1", "n2")
	exitKey := bytes.Repeat([]byte{7}, 32)
	if err := f.s.SetNodeWireGuard(f.ctx, "n1", exitKey, "198.51.100.7:51820"); err != nil {
		t.Fatalf("SetNodeWireGuard: %v", err)
	}
	n1 := newNode("n1", "op1")
	n1.WGPublicKey, n1.WGAddr = exitKey, "198.51.100.7:51820"
	f.wantNode(n1)
	err := f.s.SetNodeWireGuard(f.ctx, "n404", exitKey, "x:1")
	wantErr(t, "SetNodeWireGuard(n404)", err, store.ErrNotFound)

	key := func(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }
	ensure := func(leaseID, nodeID string, k []byte) store.WireGuardPeer {
		t.Helper()
		p, err := f.s.EnsureWireGuardPeer(f.ctx, store.WireGuardPeer{LeaseID: leaseID, NodeID: nodeID, PublicKey: k, CreatedAt: base})
		if err != nil {
			t.Fatalf("EnsureWireGuardPeer(%s, %s): %v", leaseID, nodeID, err)
		}
		return p
	}
	l1 := f.lease("b1", 1000, 1000, "n1", "n2")
	l2 := f.lease("b1", 1000, 1000, "n1")
	l3 := f.lease("b1", 1000, 1000, "n1")
	a := ensure(l1.ID, "n1", key(1))
	b := ensure(l2.ID, "n1", key(2))
	c := ensure(l1.ID, "n2", key(1))
	if a.Index != store.WireGuardFirstIndex || b.Index != a.Index+1 || c.Index != store.WireGuardFirstIndex {
		t.Errorf("indexes %d, %d on n1 and %d on n2; want %d, %d and %d", a.Index, b.Index, c.Index,
			store.WireGuardFirstIndex, store.WireGuardFirstIndex+1, store.WireGuardFirstIndex)
	}
	// Asking again returns the stored peer, whatever key is given.
	if again := ensure(l1.ID, "n1", key(9)); !reflect.DeepEqual(again, a) {
		t.Errorf("EnsureWireGuardPeer again: got %+v, want %+v", again, a)
	}
	// A closed lease frees its index for the next lease on the node.
	f.closeAt(l1.ID, store.LeaseClosed, base)
	if got := ensure(l3.ID, "n1", key(3)); got.Index != a.Index {
		t.Errorf("index after the first lease closed: got %d, want its %d again", got.Index, a.Index)
	}
	peers, err := f.s.NodeWireGuardPeers(f.ctx, "n1")
	if err != nil {
		t.Fatalf("NodeWireGuardPeers: %v", err)
	}
	if len(peers) != 2 || peers[0].LeaseID != l3.ID || peers[1].LeaseID != l2.ID {
		t.Errorf("n1's active peers %+v, want %s then %s by index", peers, l3.ID, l2.ID)
	}
	byLease, err := f.s.LeaseWireGuardPeers(f.ctx, l1.ID)
	if err != nil {
		t.Fatalf("LeaseWireGuardPeers: %v", err)
	}
	if len(byLease) != 2 || byLease[0].NodeID != "n1" || byLease[1].NodeID != "n2" || !bytes.Equal(byLease[1].PublicKey, key(1)) {
		t.Errorf("lease %s peers %+v, want n1 and n2 with its key", l1.ID, byLease)
	}
	_, err = f.s.EnsureWireGuardPeer(f.ctx, store.WireGuardPeer{LeaseID: "ls_missing", NodeID: "n1", PublicKey: key(4)})
	wantErr(t, "EnsureWireGuardPeer(unknown lease)", err, store.ErrNotFound)
	_, err = f.s.EnsureWireGuardPeer(f.ctx, store.WireGuardPeer{LeaseID: l2.ID, NodeID: "n1"})
	wantErr(t, "EnsureWireGuardPeer(no key)", err, store.ErrInvalid)
}
