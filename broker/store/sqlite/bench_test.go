package sqlite_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/broker/store/sqlite"
)

// benchLease sets up a buyer, an operator with the given nodes and one
// lease whose hold no benchmark run can use up.
func benchLease(b *testing.B, s *sqlite.Store, nodes int) store.Lease {
	b.Helper()
	ctx := context.Background()
	const plenty = store.MaxAmountMicros
	for _, a := range []store.Account{{ID: "b1", Kind: store.KindBuyer}, {ID: "op1", Kind: store.KindOperator}} {
		if err := s.CreateAccount(ctx, a); err != nil {
			b.Fatalf("CreateAccount: %v", err)
		}
	}
	if _, err := s.Credit(ctx, "", "b1", plenty); err != nil {
		b.Fatalf("Credit: %v", err)
	}
	for i := 0; i < nodes; i++ {
		n := store.Node{ID: fmt.Sprintf("n%d", i), OperatorID: "op1", Protocols: []string{"quic"}}
		if err := s.UpsertNode(ctx, n); err != nil {
			b.Fatalf("UpsertNode: %v", err)
		}
	}
	l, _, err := s.CreateLease(ctx, "", nil, store.Lease{BuyerID: "b1", HoldMicros: plenty, FeeBPS: 1000})
	if err != nil {
		b.Fatalf("CreateLease: %v", err)
	}
	return l
}

// BenchmarkSettle measures one applied receipt: a write transaction with
// three ledger entries, three book updates, the usage row and the lease.
func BenchmarkSettle(b *testing.B) {
	b.Run("serial", func(b *testing.B) {
		s := openTemp(b)
		l := benchLease(b, s, 1)
		ctx := context.Background()
		var seq uint64
		for b.Loop() {
			seq++
			cum := int64(seq) * 1000
			r, err := s.Settle(ctx, store.Settlement{LeaseID: l.ID, NodeID: "n0", Seq: seq,
				CumChargeMicros: cum, CumFeeMicros: cum / 10})
			if err != nil || !r.Applied {
				b.Fatalf("Settle: %+v, %v", r, err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		const nodes = 64
		s := openTemp(b)
		l := benchLease(b, s, nodes)
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			node := fmt.Sprintf("n%d", next.Add(1)%nodes)
			ctx := context.Background()
			for seq := uint64(1); pb.Next(); seq++ {
				cum := int64(seq) * 1000
				_, err := s.Settle(ctx, store.Settlement{LeaseID: l.ID, NodeID: node, Seq: seq,
					CumChargeMicros: cum, CumFeeMicros: cum / 10})
				if err != nil {
					b.Errorf("Settle: %v", err)
					return
				}
			}
		})
	})
}

// seedNodes stores count nodes spread over 25 countries, four connection
// types and two protocol sets, seen over the last count minutes.
func seedNodes(b *testing.B, s *sqlite.Store, count int, now time.Time) {
	b.Helper()
	ctx := context.Background()
	if err := s.CreateAccount(ctx, store.Account{ID: "op1", Kind: store.KindOperator}); err != nil {
		b.Fatalf("CreateAccount: %v", err)
	}
	conns := []string{"residential", "business", "mobile", "datacenter"}
	for i := 0; i < count; i++ {
		protos := []string{"quic"}
		if i%3 == 0 {
			protos = append(protos, "wireguard")
		}
		n := store.Node{
			ID: fmt.Sprintf("node-%05d", (i*7919)%count), OperatorID: "op1",
			Region: store.Region{Country: fmt.Sprintf("C%02d", i%25), City: fmt.Sprintf("city-%d", i%100)},
			ASN:    64500 + i%50, ConnType: conns[i%len(conns)], Protocols: protos,
			PriceMicrosPerGB: int64(100 + i%1000), LastSeen: now.Add(-time.Duration(i) * time.Minute),
		}
		if err := s.UpsertNode(ctx, n); err != nil {
			b.Fatalf("UpsertNode: %v", err)
		}
	}
}

// BenchmarkNodesList measures the listings matching runs, on 5,000 nodes.
func BenchmarkNodesList(b *testing.B) {
	const count = 5000
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := openTemp(b)
	seedNodes(b, s, count, now)
	tests := []struct {
		name   string
		filter store.NodeFilter
	}{
		{"country", store.NodeFilter{Country: "C07", Limit: 100}},
		{"country protocol seen", store.NodeFilter{Country: "C07", Protocol: "wireguard",
			SeenSince: now.Add(-24 * time.Hour), Limit: 50}},
		{"recently seen", store.NodeFilter{SeenSince: now.Add(-30 * time.Minute)}},
		{"page after cursor", store.NodeFilter{AfterID: "node-02500", Limit: 100}},
		{"exclude and price", store.NodeFilter{ConnType: "mobile", MaxPriceMicro: 500,
			ExcludeIDs: []string{"node-00001", "node-00002", "node-00003"}, Limit: 100}},
		{"all", store.NodeFilter{}},
	}
	ctx := context.Background()
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			for b.Loop() {
				ns, err := s.Nodes(ctx, tt.filter)
				if err != nil || len(ns) == 0 {
					b.Fatalf("Nodes(%+v): %d nodes, %v", tt.filter, len(ns), err)
				}
			}
		})
	}
}
