package broker_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker"
	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/apitest"
	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/identity"
)

// clock is the market's injected time, moved by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// market is a broker on a real store (a SQLite file, or a PostgreSQL
// database under TestPostgres; see stores_test.go) behind a real loopback
// HTTP server, with an admin SDK client.
type market struct {
	t      *testing.T
	ctx    context.Context
	clock  *clock
	store  store.Store
	broker *broker.Broker
	url    string
	dir    string
	admin  *client.Client
	http   *http.Client // checks every exchange against the OpenAPI document
}

// Market settings the tests rely on.
const (
	heartbeatTTL = 30 * time.Second
	feeBPS       = 1000
)

func newMarket(t *testing.T) *market {
	t.Helper()
	return newMarketWith(t, setup{})
}

func newMarketLogged(t *testing.T, log *zap.Logger) *market {
	t.Helper()
	return newMarketWith(t, setup{log: log})
}

// setup changes a market before its broker starts. Zero fields keep the
// defaults.
type setup struct {
	log    *zap.Logger                   // nil: the test's log
	config func(*broker.Config)          // adjusts the broker's config
	store  func(store.Store) store.Store // wraps the store the broker uses
}

func newMarketWith(t *testing.T, s setup) *market {
	t.Helper()
	ctx := context.Background()
	if s.log == nil {
		s.log = zaptest.NewLogger(t)
	}
	m := &market{t: t, ctx: ctx, clock: &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}, dir: t.TempDir(),
		http: apitest.Client(t)}
	m.store = openStore(t, m.dir, m.clock.Now, s.log)
	cfg := broker.Config{FeeBPS: feeBPS, HeartbeatTTL: heartbeatTTL, Now: m.clock.Now}
	if s.config != nil {
		s.config(&cfg)
	}
	used := m.store
	if s.store != nil {
		used = s.store(m.store)
	}
	var err error
	m.broker, err = broker.New(cfg, used, s.log)
	if err != nil {
		t.Fatalf("new broker: %v", err)
	}
	srv := httptest.NewServer(m.broker.Handler())
	t.Cleanup(srv.Close)
	m.url = srv.URL
	key, created, err := m.broker.EnsureAdmin(ctx, "root")
	if err != nil || !created {
		t.Fatalf("EnsureAdmin = created %v, err %v; want a new key", created, err)
	}
	m.admin = m.client(key)
	return m
}

// client returns an SDK client with fast retries whose every exchange is
// checked against the OpenAPI document.
func (m *market) client(key string) *client.Client {
	return client.New(m.url, key, client.WithRetry(3, time.Millisecond), client.WithHTTPClient(m.http))
}

// account creates an account with a key and returns both and a client.
func (m *market) account(kind, name string) (api.Account, string, *client.Client) {
	m.t.Helper()
	a, err := m.admin.CreateAccount(m.ctx, api.CreateAccountRequest{Kind: kind, Name: name})
	if err != nil {
		m.t.Fatalf("create %s account: %v", kind, err)
	}
	k, err := m.admin.CreateKey(m.ctx, api.CreateKeyRequest{AccountID: a.ID})
	if err != nil {
		m.t.Fatalf("create key for %s: %v", a.ID, err)
	}
	return *a, k.Key, m.client(k.Key)
}

// buyer creates a buyer funded with micros.
func (m *market) buyer(name string, micros int64) (api.Account, *client.Client) {
	m.t.Helper()
	a, _, c := m.account(api.KindBuyer, name)
	if micros > 0 {
		if _, err := m.admin.Credit(m.ctx, "fund-"+a.ID, a.ID, micros); err != nil {
			m.t.Fatalf("credit %s: %v", a.ID, err)
		}
	}
	return a, c
}

// listing is a valid registration for tests to adjust.
func listing(country string, asn int, price int64) api.RegisterNodeRequest {
	return api.RegisterNodeRequest{
		Region:           api.Region{Country: country},
		ASN:              asn,
		ConnectionType:   api.ConnResidential,
		Protocols:        []string{api.ProtocolQUIC},
		QUICAddr:         "127.0.0.1:4433",
		PriceMicrosPerGB: price,
		CapacityBps:      1 << 20,
	}
}

// node registers a fresh node key through op and returns the key.
func (m *market) node(op *client.Client, req api.RegisterNodeRequest) (identity.Key, api.Node) {
	m.t.Helper()
	k, err := identity.Generate()
	if err != nil {
		m.t.Fatal(err)
	}
	n, err := op.RegisterNode(m.ctx, k.Private, req)
	if err != nil {
		m.t.Fatalf("register node: %v", err)
	}
	return k, *n
}

// wantProblem fails unless err is a problem with status and code.
func wantProblem(t *testing.T, err error, status int, code string) {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v, want a %d %s problem", err, status, code)
	}
	if e.Status != status || e.Code != code {
		t.Fatalf("got %d %s (%s), want %d %s", e.Status, e.Code, e.Detail, status, code)
	}
}
