package storetest

import (
	"reflect"
	"testing"

	"github.com/sparelink/sparelink/broker/store"
)

func testAddLeaseExit(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.buyer("b1", 100_000)
	f.operatorWithNodes("op1", "n1", "n2", "n3")
	req := newLease("b1", 1000, 1000, "n1")
	req.Coverage = store.Coverage{Country: "DE", Subdivision: "DE-BE", ASN: 3320, ConnType: "residential"}
	l, _, err := f.s.CreateLease(f.ctx, "", nil, req)
	if err != nil {
		t.Fatalf("CreateLease: %v", err)
	}
	if got, err := f.s.Lease(f.ctx, l.ID); err != nil || got.Coverage != req.Coverage {
		t.Fatalf("lease coverage %+v, %v; want %+v", got.Coverage, err, req.Coverage)
	}
	add := func(node string, maxExits int) (store.Lease, error) {
		return f.s.AddLeaseExit(f.ctx, l.ID, node, maxExits)
	}
	got, err := add("n2", 2)
	if err != nil || !reflect.DeepEqual(got.NodeIDs, []string{"n1", "n2"}) || got.Coverage != req.Coverage {
		t.Fatalf("AddLeaseExit(n2) = %+v, %v; want exits n1, n2 and the coverage kept", got, err)
	}
	if again, err := add("n2", 2); err != nil || !reflect.DeepEqual(again.NodeIDs, []string{"n1", "n2"}) {
		t.Errorf("AddLeaseExit(n2) again = %v, %v; want no change", again.NodeIDs, err)
	}
	_, err = add("n3", 2)
	wantErr(t, "AddLeaseExit past the limit", err, store.ErrConflict)
	if stored, _ := f.s.Lease(f.ctx, l.ID); !reflect.DeepEqual(stored.NodeIDs, []string{"n1", "n2"}) {
		t.Errorf("exits after a refused addition: %v, want n1, n2", stored.NodeIDs)
	}
	f.closeAt(l.ID, store.LeaseClosed, base)
	_, err = add("n3", 5)
	wantErr(t, "AddLeaseExit to a closed lease", err, store.ErrConflict)
	_, err = f.s.AddLeaseExit(f.ctx, "ls_missing", "n3", 5)
	wantErr(t, "AddLeaseExit to an unknown lease", err, store.ErrNotFound)
}
