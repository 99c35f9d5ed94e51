package crashtest

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/identity"
)

// Market settings of the crash runs.
const (
	nodePrice = 1_000_000 // micros per GB
	nodeCount = 3
)

// market is the accounts and nodes of one crash run, which outlive every
// broker process of the run.
type market struct {
	cfg      Config
	adminKey string
	opKey    string
	opID     string
	nodes    map[string]identity.Key // by node ID
}

// brokerArgs turn off what would make a run slow or nondeterministic:
// rate limits, background exit checks, nodes going offline.
var brokerArgs = []string{"--rate-limit=-1", "--heartbeat-ttl", "24h", "--exit-check-interval=-1s", "--fee-bps", "1000"}

// start runs one broker process of the market; the test kills it at the
// latest when it ends.
func (m *market) start(t *testing.T) *Proc {
	t.Helper()
	p, err := Start(context.Background(), m.cfg, zaptest.NewLogger(t, zaptest.Level(zap.InfoLevel)))
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(p.Kill)
	return p
}

// newClient is an SDK client that never retries by itself: the workers
// decide what to repeat, so that every outcome is theirs to account for.
func newClient(url, key string) *client.Client {
	return client.New(url, key, client.WithRetry(1, 0),
		client.WithHTTPClient(&http.Client{Timeout: 20 * time.Second}))
}

// newMarket starts the first broker on store, creates the operator and
// its nodes, and returns the market with that broker running.
func newMarket(t *testing.T, store string) (*market, *Proc) {
	t.Helper()
	dir := t.TempDir()
	if store == "" {
		store = "sqlite://" + filepath.Join(dir, "broker.db")
	}
	m := &market{cfg: Config{Binary: brokerBinary(t), DataDir: dir, Store: store, Args: brokerArgs},
		nodes: map[string]identity.Key{}}
	p := m.start(t)
	key, err := p.AdminKey()
	if err != nil {
		t.Fatal(err)
	}
	m.adminKey = key
	m.opID, m.opKey = m.account(t, p, api.KindOperator)
	op := newClient(p.URL(), m.opKey)
	for i := range nodeCount {
		k, err := identity.Generate()
		if err != nil {
			t.Fatal(err)
		}
		req := api.RegisterNodeRequest{Region: api.Region{Country: "DE"}, ASN: 3320 + i,
			ConnectionType: api.ConnResidential, Protocols: []string{api.ProtocolQUIC},
			QUICAddr: fmt.Sprintf("127.0.0.1:%d", 4433+i), PriceMicrosPerGB: nodePrice, CapacityBps: 1 << 20}
		if _, err := op.RegisterNode(context.Background(), k.Private, req); err != nil {
			t.Fatalf("register node %d: %v", i, err)
		}
		m.nodes[k.NodeID()] = k
	}
	return m, p
}

// account creates an account of kind and an API key for it.
func (m *market) account(t *testing.T, p *Proc, kind string) (id, key string) {
	t.Helper()
	admin := newClient(p.URL(), m.adminKey)
	a, err := admin.CreateAccount(context.Background(), api.CreateAccountRequest{Kind: kind, Name: kind})
	if err != nil {
		t.Fatalf("create %s account: %v", kind, err)
	}
	k, err := admin.CreateKey(context.Background(), api.CreateKeyRequest{AccountID: a.ID})
	if err != nil {
		t.Fatalf("create key for %s: %v", a.ID, err)
	}
	return a.ID, k.Key
}
