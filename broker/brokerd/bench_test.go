package brokerd_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/broker/store/postgres"
	"github.com/sparelink/sparelink/broker/store/sqlite"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/pgtest"
)

// Shape of the benchmark market: benchNodes nodes of benchOperators
// operators, spread over the countries below, all online.
const (
	benchNodes     = 10_000
	benchOperators = 10
)

var benchCountries = []string{"DE", "FR", "NL", "BE", "AT", "CH", "IT", "ES", "PT", "PL",
	"CZ", "DK", "SE", "NO", "FI", "IE", "GB", "US", "CA", "JP"}

// BenchmarkBroker measures lease creations and heartbeats per second
// through the HTTP API of one broker with 10,000 registered nodes, on each
// store engine. Setup (seeding the nodes) is not timed.
func BenchmarkBroker(b *testing.B) {
	engines := []struct {
		name string
		open func(b *testing.B) store.Store
	}{
		{"sqlite", func(b *testing.B) store.Store {
			st, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(b.TempDir(), "broker.db")}, zap.NewNop())
			if err != nil {
				b.Fatal(err)
			}
			return st
		}},
		{"postgres", func(b *testing.B) store.Store {
			st, err := postgres.Open(context.Background(), postgres.Config{URL: pgtest.URL(b)}, zap.NewNop())
			if err != nil {
				b.Fatal(err)
			}
			return st
		}},
	}
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			st := e.open(b)
			b.Cleanup(func() { st.Close() })
			m := newBenchMarket(b, st)
			b.Run("lease_create", m.leaseCreate)
			b.Run("heartbeat", m.heartbeat)
		})
	}
}

// benchMarket is a seeded broker and clients for its buyer and operators.
type benchMarket struct {
	buyer     *client.Client
	operators []*client.Client // operator i owns the nodes n with n % benchOperators == i
}

func newBenchMarket(b *testing.B, st store.Store) *benchMarket {
	b.Helper()
	ctx := context.Background()
	r := newReplicas(b, zap.NewNop(), st)[0]
	key, _, err := r.broker.EnsureAdmin(ctx, "root")
	if err != nil {
		b.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	newClient := func(key string) *client.Client { return client.New(r.url, key, client.WithHTTPClient(hc)) }
	admin := newClient(key)
	keyFor := func(kind string) (string, string) {
		a, err := admin.CreateAccount(ctx, api.CreateAccountRequest{Kind: kind, Name: kind})
		if err != nil {
			b.Fatal(err)
		}
		k, err := admin.CreateKey(ctx, api.CreateKeyRequest{AccountID: a.ID})
		if err != nil {
			b.Fatal(err)
		}
		return a.ID, k.Key
	}
	m := &benchMarket{}
	buyerID, buyerKey := keyFor(api.KindBuyer)
	if _, err := st.Credit(ctx, "", buyerID, 1e15); err != nil {
		b.Fatal(err)
	}
	m.buyer = newClient(buyerKey)
	var opIDs []string
	for range benchOperators {
		id, key := keyFor(api.KindOperator)
		opIDs = append(opIDs, id)
		m.operators = append(m.operators, newClient(key))
	}
	seedNodes(b, st, opIDs)
	return m
}

// seedNodes stores benchNodes online nodes straight into the store (as
// registrations would, without the signature round trips).
func seedNodes(b *testing.B, st store.Store, opIDs []string) {
	b.Helper()
	ctx, now := context.Background(), time.Now()
	for i := range benchNodes {
		pub := make([]byte, 32)
		rand.Read(pub)
		err := st.UpsertNode(ctx, store.Node{ID: benchNodeID(i), OperatorID: opIDs[i%benchOperators], PublicKey: pub,
			Region: store.Region{Country: benchCountries[i%len(benchCountries)]}, ASN: 64_512 + i%97,
			ConnType: api.ConnResidential, Protocols: []string{api.ProtocolQUIC}, QUICAddr: "127.0.0.1:4433",
			PriceMicrosPerGB: int64(1_000_000 + i%50*1_000), CapacityBps: 1 << 24, SpareBps: int64(i % 1000 << 10),
			LastSeen: now})
		if err != nil {
			b.Fatalf("seed node %d: %v", i, err)
		}
	}
}

func benchNodeID(i int) string { return fmt.Sprintf("bench-node-%05d", i) }

// leaseCreate buys two-exit leases in rotating countries.
func (m *benchMarket) leaseCreate(b *testing.B) {
	var next atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c := benchCountries[int(next.Add(1))%len(benchCountries)]
			req := api.LeaseRequest{Coverage: api.Coverage{Country: c}, Exits: 2, MaxBytes: 1e9}
			if _, err := m.buyer.CreateLease(context.Background(), "", req); err != nil {
				b.Errorf("CreateLease(%s): %v", c, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "leases/s")
}

// heartbeat reports spare capacity for every node in turn.
func (m *benchMarket) heartbeat(b *testing.B) {
	var next atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1)) % benchNodes
			_, err := m.operators[i%benchOperators].Heartbeat(context.Background(), benchNodeID(i), api.HeartbeatRequest{SpareBps: 1 << 20})
			if err != nil {
				b.Errorf("Heartbeat(%s): %v", benchNodeID(i), err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "heartbeats/s")
}
