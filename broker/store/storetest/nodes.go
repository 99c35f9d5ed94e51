package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/store"
)

// canonNode makes nodes comparable with reflect.DeepEqual: times in UTC,
// empty slices as nil.
func canonNode(n store.Node) store.Node {
	n.LastSeen, n.CreatedAt = n.LastSeen.UTC(), n.CreatedAt.UTC()
	if len(n.Protocols) == 0 {
		n.Protocols = nil
	}
	if len(n.PublicKey) == 0 {
		n.PublicKey = nil
	}
	return n
}

// wantNode checks that the stored node equals want.
func (f *fixture) wantNode(want store.Node) {
	f.t.Helper()
	got, err := f.s.Node(f.ctx, want.ID)
	if err != nil {
		f.t.Fatalf("Node(%s): %v", want.ID, err)
	}
	if !reflect.DeepEqual(canonNode(got), canonNode(want)) {
		f.t.Errorf("Node(%s):\ngot  %+v\nwant %+v", want.ID, got, want)
	}
}

func testUpsertNode(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.account("op1", store.KindOperator)
	f.account("op2", store.KindOperator)
	n := newNode("n1", "op1")
	f.node(n)
	f.wantNode(n)

	updated := store.Node{
		ID: "n1", OperatorID: "op2", PublicKey: []byte("rotated"),
		Region: store.Region{Country: "FR", Subdivision: "FR-IDF", City: "Paris"},
		ASN:    3215, ConnType: "mobile", Protocols: []string{"wireguard", "quic"},
		QUICAddr: "127.0.0.1:5000", PriceMicrosPerGB: 700_000, CapacityBps: 1,
		SpareBps: 2, EgressSummary: "strict", LastSeen: base.Add(time.Minute),
		CreatedAt: base.Add(time.Hour), // must be ignored on update
	}
	f.node(updated)
	updated.CreatedAt = n.CreatedAt
	f.wantNode(updated)

	tests := []struct {
		name string
		node store.Node
		want error
	}{
		{"unknown operator", newNode("n2", "nobody"), store.ErrNotFound},
		{"empty id", newNode("", "op1"), store.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, "UpsertNode", f.s.UpsertNode(f.ctx, tt.node), tt.want)
		})
	}
	_, err := f.s.Node(f.ctx, "n404")
	wantErr(t, "Node(n404)", err, store.ErrNotFound)
}

func testHeartbeat(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.account("op1", store.KindOperator)
	n := newNode("n1", "op1")
	f.node(n)
	at := base.Add(90 * time.Second)
	if err := f.s.RecordHeartbeat(f.ctx, store.Heartbeat{NodeID: "n1", SpareBps: 1234, At: at}); err != nil {
		t.Fatalf("RecordHeartbeat: %v", err)
	}
	n.SpareBps, n.LastSeen = 1234, at
	f.wantNode(n)
	err := f.s.RecordHeartbeat(f.ctx, store.Heartbeat{NodeID: "n404", SpareBps: 1, At: at})
	wantErr(t, "RecordHeartbeat(n404)", err, store.ErrNotFound)
}

// filterNodes stores a small, varied fleet for the filter tests.
func filterNodes(f *fixture) {
	f.t.Helper()
	f.account("op1", store.KindOperator)
	mk := func(id, country, sub, city string, asn int, conn string, price int64, seen time.Time, protos ...string) {
		n := newNode(id, "op1")
		n.Region = store.Region{Country: country, Subdivision: sub, City: city}
		n.ASN, n.ConnType, n.PriceMicrosPerGB, n.LastSeen, n.Protocols = asn, conn, price, seen, protos
		f.node(n)
	}
	mk("a", "DE", "DE-BE", "Berlin", 3320, "residential", 400, base, "quic")
	mk("b", "DE", "DE-BY", "Munich", 3320, "mobile", 900, base.Add(-time.Hour), "quic", "wireguard")
	mk("c", "DE", "DE-BE", "Berlin", 6805, "business", 1500, base.Add(-2*time.Hour), "wireguard")
	mk("d", "FR", "FR-IDF", "Paris", 3215, "residential", 400, base, "quic")
	mk("e", "US", "US-CA", "San Jose", 7922, "datacenter", 100, base.Add(-48*time.Hour))
}

func testNodesFilter(t *testing.T, open Opener) {
	f := newFixture(t, open)
	filterNodes(f)
	tests := []struct {
		name   string
		filter store.NodeFilter
		want   string
	}{
		{"all", store.NodeFilter{}, "a,b,c,d,e"},
		{"country", store.NodeFilter{Country: "DE"}, "a,b,c"},
		{"subdivision", store.NodeFilter{Subdivision: "DE-BE"}, "a,c"},
		{"city", store.NodeFilter{City: "Paris"}, "d"},
		{"asn", store.NodeFilter{ASN: 3320}, "a,b"},
		{"conn type", store.NodeFilter{ConnType: "residential"}, "a,d"},
		{"protocol", store.NodeFilter{Protocol: "wireguard"}, "b,c"},
		{"protocol none", store.NodeFilter{Protocol: "carrier-pigeon"}, ""},
		{"seen since", store.NodeFilter{SeenSince: base.Add(-time.Hour)}, "a,b,d"},
		{"exclude", store.NodeFilter{ExcludeIDs: []string{"a", "d", "zz"}}, "b,c,e"},
		{"max price", store.NodeFilter{MaxPriceMicro: 900}, "a,b,d,e"},
		{"after id", store.NodeFilter{AfterID: "c"}, "d,e"},
		{"limit", store.NodeFilter{Limit: 2}, "a,b"},
		{"combined", store.NodeFilter{Country: "DE", Protocol: "quic", MaxPriceMicro: 500}, "a"},
		{"combined paging", store.NodeFilter{Country: "DE", AfterID: "a", Limit: 1}, "b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.s.Nodes(f.ctx, tt.filter)
			if err != nil {
				t.Fatalf("Nodes(%+v): %v", tt.filter, err)
			}
			if nodeIDs(got) != tt.want {
				t.Errorf("Nodes(%+v): got %q, want %q", tt.filter, nodeIDs(got), tt.want)
			}
		})
	}
}

func testNodesPaging(t *testing.T, open Opener) {
	f := newFixture(t, open)
	const total = 23
	f.account("op1", store.KindOperator)
	for i := total - 1; i >= 0; i-- { // inserted out of order on purpose
		f.node(newNode(id("node", i), "op1"))
	}
	var got []string
	for after := ""; ; {
		page, err := f.s.Nodes(f.ctx, store.NodeFilter{Limit: 5, AfterID: after})
		if err != nil {
			t.Fatalf("Nodes(after %q): %v", after, err)
		}
		if len(page) == 0 {
			break
		}
		for _, n := range page {
			got = append(got, n.ID)
		}
		after = page[len(page)-1].ID
	}
	if len(got) != total {
		t.Fatalf("paged through %d nodes, want %d", len(got), total)
	}
	for i, nid := range got {
		if nid != id("node", i) {
			t.Errorf("page order [%d]: got %s, want %s", i, nid, id("node", i))
		}
	}
}
