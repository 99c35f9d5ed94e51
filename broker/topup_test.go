package broker_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
)

// TestLeaseTopUp takes one exit of a two-exit lease offline: the broker
// adds a replacement from the coverage, at no more than the lease's
// price, on an operator and network the live exit does not share, and
// keeps the dead exit on the lease.
func TestLeaseTopUp(t *testing.T) {
	m := newMarket(t)
	_, _, opA := m.account(api.KindOperator, "a")
	_, _, opB := m.account(api.KindOperator, "b")
	_, _, opC := m.account(api.KindOperator, "c")
	_, buyer := m.buyer("buyer", 1e9)
	_, a1 := m.node(opA, listing("NO", 100, 1_000_000))
	_, b1 := m.node(opB, listing("NO", 200, 1_000_000))
	l, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{Coverage: api.Coverage{Country: "NO"}, Exits: 2})
	if err != nil {
		t.Fatal(err)
	}
	// Supply that joins later: same operator and network as the live
	// exit, a dearer one, another country, and the one to pick.
	_, sameOp := m.node(opB, listing("NO", 300, 1_000_000))
	_, dear := m.node(opC, listing("NO", 400, 2_000_000))
	_, elsewhere := m.node(opC, listing("SE", 500, 1_000_000))
	_, pick := m.node(opC, listing("NO", 600, 1_000_000))
	beat := func(c *client.Client, ids ...string) {
		t.Helper()
		for _, id := range ids {
			if _, err := c.Heartbeat(m.ctx, id, api.HeartbeatRequest{SpareBps: 1 << 20}); err != nil {
				t.Fatal(err)
			}
		}
	}
	m.clock.Advance(heartbeatTTL / 2)
	beat(opB, b1.ID, sameOp.ID)
	beat(opC, dear.ID, elsewhere.ID, pick.ID)
	m.clock.Advance(heartbeatTTL/2 + time.Second) // a1 is now silent
	if err := m.broker.Sweep(m.ctx); err != nil {
		t.Fatalf("sweep: %v", err)
	}
	got, err := buyer.Lease(m.ctx, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range got.Exits {
		ids = append(ids, e.NodeID)
	}
	want := []string{l.Exits[0].NodeID, l.Exits[1].NodeID, pick.ID}
	if !slices.Equal(ids, want) {
		t.Fatalf("exits after a1 went silent: %v, want %v (the dead exit kept, %s added)", ids, want, pick.ID)
	}
	if !slices.Contains(ids, a1.ID) {
		t.Errorf("the dead exit %s left the lease", a1.ID)
	}
	if last := got.Exits[2]; last.QUIC == nil || last.QUIC.Token == "" {
		t.Errorf("replacement exit %+v has no credentials", last)
	}
	// A second sweep with nothing new adds nothing.
	if err := m.broker.Sweep(m.ctx); err != nil {
		t.Fatalf("sweep: %v", err)
	}
	if again, _ := buyer.Lease(m.ctx, l.ID); len(again.Exits) != 3 {
		t.Errorf("exits after a quiet sweep: %d, want 3", len(again.Exits))
	}
}

// TestWireGuardLeaseNeedsKey registers a WireGuard exit: a quote needs no
// buyer key, a lease does, and a lease with one gets a configuration.
func TestWireGuardLeaseNeedsKey(t *testing.T) {
	m := newMarket(t)
	_, _, op := m.account(api.KindOperator, "op")
	_, buyer := m.buyer("buyer", 1e9)
	req := listing("NO", 100, 1_000_000)
	req.Protocols = []string{api.ProtocolQUIC, api.ProtocolWireGuard}
	req.WireGuardPublicKey, req.WireGuardAddr = wgPublic(t), "198.51.100.9:51820"
	_, n := m.node(op, req)
	if n.WireGuardAddr != req.WireGuardAddr || n.WireGuardPublicKey != req.WireGuardPublicKey {
		t.Fatalf("listing %+v, want the WireGuard exit", n)
	}
	wg := api.LeaseRequest{Protocols: []string{api.ProtocolWireGuard}}
	if q, err := buyer.Quote(m.ctx, wg); err != nil || q.AvailableExits != 1 {
		t.Fatalf("quote = %+v, %v; want one exit", q, err)
	}
	_, err := buyer.CreateLease(m.ctx, "", wg)
	wantProblem(t, err, http.StatusBadRequest, api.CodeInvalidRequest)
	wg.WireGuardPublicKey = wgPublic(t)
	l, err := buyer.CreateLease(m.ctx, "", wg)
	if err != nil {
		t.Fatalf("create lease: %v", err)
	}
	w := l.Exits[0].WireGuard
	if w == nil || w.Endpoint != req.WireGuardAddr || w.Address4 != "10.200.0.2" || !strings.Contains(w.Config, "# PrivateKey") {
		t.Fatalf("exit credentials %+v, want the first tunnel address and a configuration", w)
	}
	second, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{Protocols: []string{api.ProtocolWireGuard}, WireGuardPublicKey: wgPublic(t)})
	if err != nil || second.Exits[0].WireGuard.Address4 != "10.200.0.3" {
		t.Fatalf("second lease: %+v, %v; want the next tunnel address", second, err)
	}
	_, err = buyer.CreateLease(m.ctx, "", api.LeaseRequest{WireGuardPublicKey: wgPublic(t)})
	wantProblem(t, err, http.StatusBadRequest, api.CodeInvalidRequest)
}

// wgPublic returns a fresh WireGuard public key.
func wgPublic(t *testing.T) string {
	t.Helper()
	_, pub, err := client.NewWireGuardKey()
	if err != nil {
		t.Fatal(err)
	}
	return pub
}
