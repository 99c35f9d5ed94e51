package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/store"
)

func testCommands(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.account("op1", store.KindOperator)
	f.node(newNode("n1", "op1"))
	f.node(newNode("n2", "op1"))
	queue := func(node, typ string, expires time.Time) store.Command {
		t.Helper()
		c := store.Command{NodeID: node, Type: typ, Payload: []byte(`{"x":1}`), CreatedAt: base, ExpiresAt: expires}
		id, err := f.s.QueueCommand(f.ctx, c)
		if err != nil {
			t.Fatalf("QueueCommand(%s, %s): %v", node, typ, err)
		}
		c.ID = id
		return c
	}
	later := base.Add(time.Hour)
	a := queue("n1", "revoke", later)
	queue("n2", "revoke", later)
	short := queue("n1", "probe", base.Add(time.Minute))
	c := queue("n1", "revoke", later)
	if !(a.ID < short.ID && short.ID < c.ID) {
		t.Fatalf("IDs %d, %d, %d: want increasing in queue order", a.ID, short.ID, c.ID)
	}
	list := func(after int64, now time.Time) []store.Command {
		t.Helper()
		got, err := f.s.Commands(f.ctx, "n1", after, now, 10)
		if err != nil {
			t.Fatalf("Commands: %v", err)
		}
		return got
	}
	if got, want := list(0, base), []store.Command{a, short, c}; !reflect.DeepEqual(got, want) {
		t.Errorf("Commands(after 0):\ngot  %+v\nwant %+v", got, want)
	}
	if got, want := list(a.ID, base.Add(2*time.Minute)), []store.Command{c}; !reflect.DeepEqual(got, want) {
		t.Errorf("Commands(after first, once the probe expired):\ngot  %+v\nwant %+v", got, want)
	}
	if err := f.s.AckCommands(f.ctx, "n1", a.ID, base.Add(2*time.Minute)); err != nil {
		t.Fatalf("AckCommands: %v", err)
	}
	// The acknowledged and the expired are gone even for a node starting
	// over; other nodes' live commands stay.
	if got, want := list(0, base), []store.Command{c}; !reflect.DeepEqual(got, want) {
		t.Errorf("Commands after the ack:\ngot  %+v\nwant %+v", got, want)
	}
	if got, err := f.s.Commands(f.ctx, "n2", 0, base, 10); err != nil || len(got) != 1 {
		t.Errorf("n2's commands = %+v, %v; want its one command", got, err)
	}
	_, err := f.s.QueueCommand(f.ctx, store.Command{NodeID: "n404", Type: "revoke", ExpiresAt: later})
	wantErr(t, "QueueCommand(n404)", err, store.ErrNotFound)
	_, err = f.s.QueueCommand(f.ctx, store.Command{NodeID: "n1", ExpiresAt: later})
	wantErr(t, "QueueCommand(no type)", err, store.ErrInvalid)
}
