package bench

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/sparelink/sparelink/broker"
	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/client"
)

// Shape of the benchmark market: its nodes belong to marketOperators
// operators and spread evenly over marketCountries.
const (
	marketOperators = 10
	seedWorkers     = 8
	buyerCredit     = 1_000_000_000_000_000 // micros: no lease runs out of money
)

var marketCountries = []string{"DE", "FR", "NL", "BE", "AT", "CH", "IT", "ES", "PT", "PL",
	"CZ", "DK", "SE", "NO", "FI", "IE", "GB", "US", "CA", "JP"}

// brokerMarket is one broker on a store behind a loopback HTTP server,
// with a funded buyer, its operators and the nodes seeded so far.
type brokerMarket struct {
	st        store.Store
	srv       *http.Server
	buyer     *client.Client
	operators []*client.Client // operator i owns the nodes n with n % marketOperators == i
	opIDs     []string
	nodes     int // seeded so far
}

// newBrokerMarket starts a broker on st, serving on 127.0.0.1:0, and
// creates its buyer and operators through the API.
func newBrokerMarket(ctx context.Context, st store.Store, log *zap.Logger) (*brokerMarket, error) {
	b, err := broker.New(broker.Config{HeartbeatTTL: time.Hour, RateLimit: -1}, st, log.Named("broker"))
	if err != nil {
		return nil, fmt.Errorf("new broker: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	m := &brokerMarket{st: st, srv: &http.Server{Handler: b.Handler(), ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = m.srv.Serve(ln) }()
	if err := m.createAccounts(ctx, b, "http://"+ln.Addr().String()); err != nil {
		return nil, errors.Join(err, m.close())
	}
	return m, nil
}

// close stops the HTTP server; the store stays open.
func (m *brokerMarket) close() error { return m.srv.Close() }

// createAccounts makes the admin key, the funded buyer and the operators.
func (m *brokerMarket) createAccounts(ctx context.Context, b *broker.Broker, url string) error {
	key, _, err := b.EnsureAdmin(ctx, "root")
	if err != nil {
		return fmt.Errorf("admin key: %w", err)
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: time.Minute}
	newClient := func(key string) *client.Client { return client.New(url, key, client.WithHTTPClient(hc)) }
	admin := newClient(key)
	account := func(kind string) (string, *client.Client, error) {
		a, err := admin.CreateAccount(ctx, api.CreateAccountRequest{Kind: kind, Name: "bench " + kind})
		if err != nil {
			return "", nil, fmt.Errorf("create %s: %w", kind, err)
		}
		k, err := admin.CreateKey(ctx, api.CreateKeyRequest{AccountID: a.ID})
		if err != nil {
			return "", nil, fmt.Errorf("key for %s: %w", a.ID, err)
		}
		return a.ID, newClient(k.Key), nil
	}
	buyerID, buyer, err := account(api.KindBuyer)
	if err != nil {
		return err
	}
	if _, err := m.st.Credit(ctx, "", buyerID, buyerCredit); err != nil {
		return fmt.Errorf("fund buyer: %w", err)
	}
	m.buyer = buyer
	for range marketOperators {
		id, op, err := account(api.KindOperator)
		if err != nil {
			return err
		}
		m.opIDs, m.operators = append(m.opIDs, id), append(m.operators, op)
	}
	return nil
}

// nodeInserter is a store that can insert many nodes at once, as
// sqlite.Store's InsertNodes does: seeding 100,000 nodes one transaction
// at a time would take most of the run.
type nodeInserter interface {
	InsertNodes(ctx context.Context, nodes []store.Node) error
}

// seedBatch is how many nodes one InsertNodes call stores.
const seedBatch = 10_000

// seed stores online nodes straight into the store, as registrations
// would leave them but without the signed round trips, until the market
// has n of them.
func (m *brokerMarket) seed(ctx context.Context, n int) error {
	var err error
	if ins, ok := m.st.(nodeInserter); ok {
		err = m.seedBatches(ctx, ins, n)
	} else {
		err = m.seedParallel(ctx, n)
	}
	if err != nil {
		return err
	}
	m.nodes = max(m.nodes, n)
	return nil
}

// seedBatches inserts the missing nodes seedBatch at a time.
func (m *brokerMarket) seedBatches(ctx context.Context, ins nodeInserter, n int) error {
	now := time.Now()
	for from := m.nodes; from < n; from += seedBatch {
		batch := make([]store.Node, 0, seedBatch)
		for i := from; i < min(from+seedBatch, n); i++ {
			batch = append(batch, m.benchNode(i, now))
		}
		if err := ins.InsertNodes(ctx, batch); err != nil {
			return fmt.Errorf("seed nodes from %d: %w", from, err)
		}
	}
	return nil
}

// seedParallel upserts the missing nodes from seedWorkers goroutines,
// which a server engine such as PostgreSQL runs side by side.
func (m *brokerMarket) seedParallel(ctx context.Context, n int) error {
	g, ctx := errgroup.WithContext(ctx)
	now := time.Now()
	for w := range seedWorkers {
		g.Go(func() error {
			for i := m.nodes + w; i < n; i += seedWorkers {
				if err := m.st.UpsertNode(ctx, m.benchNode(i, now)); err != nil {
					return fmt.Errorf("seed node %d: %w", i, err)
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// benchNode is the i-th node of the market.
func (m *brokerMarket) benchNode(i int, now time.Time) store.Node {
	pub := make([]byte, 32)
	_, _ = rand.Read(pub) // never fails (crypto/rand)
	return store.Node{ID: benchNodeID(i), OperatorID: m.opIDs[i%marketOperators], PublicKey: pub,
		Region: store.Region{Country: marketCountries[i%len(marketCountries)]}, ASN: 64_512 + i%97,
		ConnType: api.ConnResidential, Protocols: []string{api.ProtocolQUIC}, QUICAddr: "127.0.0.1:4433",
		PriceMicrosPerGB: int64(1_000_000 + i%50*1_000), CapacityBps: 1 << 24, SpareBps: int64(i%1000) << 10,
		LastSeen: now}
}

func benchNodeID(i int) string { return fmt.Sprintf("bench-node-%06d", i) }
