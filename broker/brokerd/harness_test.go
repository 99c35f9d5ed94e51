package brokerd_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker"
	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/lease"
)

// Market settings of the replica tests.
const (
	feeBPS       = 1000
	heartbeatTTL = time.Hour // nodes stay online for the whole test
)

// replica is one broker behind its own loopback HTTP server.
type replica struct {
	broker *broker.Broker
	url    string
}

// newReplicas starts one broker per store, all sharing a token signer and
// a challenge secret, as replicas behind a load balancer do.
func newReplicas(t testing.TB, log *zap.Logger, stores ...store.Store) []replica {
	t.Helper()
	signer, err := lease.NewSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	var rs []replica
	for _, st := range stores {
		b, err := broker.New(broker.Config{Signer: signer, ChallengeSecret: secret, FeeBPS: feeBPS,
			HeartbeatTTL: heartbeatTTL}, st, log)
		if err != nil {
			t.Fatalf("broker.New: %v", err)
		}
		srv := httptest.NewServer(b.Handler()) // 127.0.0.1:0
		t.Cleanup(srv.Close)
		rs = append(rs, replica{broker: b, url: srv.URL})
	}
	return rs
}

// clients returns one SDK client per replica for the same API key.
func clients(rs []replica, key string) []*client.Client {
	cs := make([]*client.Client, len(rs))
	for i, r := range rs {
		cs[i] = client.New(r.url, key, client.WithRetry(10, 5*time.Millisecond))
	}
	return cs
}

// account creates an account through the first replica and a key for it
// through the last, returning the key and a client per replica for it.
func account(t testing.TB, rs []replica, admins []*client.Client, kind string) (api.Account, []*client.Client, string) {
	t.Helper()
	ctx := context.Background()
	a, err := admins[0].CreateAccount(ctx, api.CreateAccountRequest{Kind: kind, Name: kind})
	if err != nil {
		t.Fatalf("create %s: %v", kind, err)
	}
	k, err := admins[len(admins)-1].CreateKey(ctx, api.CreateKeyRequest{AccountID: a.ID})
	if err != nil {
		t.Fatalf("create key for %s: %v", a.ID, err)
	}
	return *a, clients(rs, k.Key), k.Key
}

// listing is a node registration in country at price.
func listing(country string, asn int, price int64) api.RegisterNodeRequest {
	return api.RegisterNodeRequest{Region: api.Region{Country: country}, ASN: asn,
		ConnectionType: api.ConnResidential, Protocols: []string{api.ProtocolQUIC},
		QUICAddr: "127.0.0.1:4433", PriceMicrosPerGB: price, CapacityBps: 1 << 20}
}

// registerAcross fetches a registration challenge from one replica and
// answers it to another, which works only if they share the secret.
func registerAcross(t testing.TB, from *client.Client, to replica, opKey string, req api.RegisterNodeRequest) identity.Key {
	t.Helper()
	k, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	ch, err := from.NodeChallenge(context.Background())
	if err != nil {
		t.Fatalf("challenge: %v", err)
	}
	req.PublicKey = base64.StdEncoding.EncodeToString(k.Public())
	req.Challenge = ch.Challenge
	req.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(k.Private, []byte(api.NodeRegistrationContext+ch.Challenge)))
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	hr, err := http.NewRequest(http.MethodPost, to.url+"/v1/nodes", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	hr.Header.Set("Authorization", "Bearer "+opKey)
	hr.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		t.Fatalf("register on the other replica: got HTTP %d, want success", resp.StatusCode)
	}
	return k
}

// wantBalance checks an account's balance as one replica reports it.
func wantBalance(t testing.TB, admin *client.Client, id string, want api.Balance) {
	t.Helper()
	got, err := admin.BalanceOf(context.Background(), id)
	if err != nil || *got != want {
		t.Errorf("balance of %s: got %+v, %v; want %+v", id, got, err, want)
	}
}

// wantBalanced audits the ledger through every replica.
func wantBalanced(t testing.TB, admins []*client.Client) {
	t.Helper()
	for i, a := range admins {
		c, err := a.CheckLedger(context.Background())
		if err != nil || !c.Balanced {
			t.Errorf("ledger check through replica %d: got %+v, %v; want balanced", i, c, err)
		}
	}
}

// exitKey returns the key, among keys, of the lease's only exit.
func exitKey(t testing.TB, l *api.Lease, keys ...identity.Key) identity.Key {
	t.Helper()
	if len(l.Exits) != 1 {
		t.Fatalf("lease %s: got %d exits, want 1", l.ID, len(l.Exits))
	}
	for _, k := range keys {
		if k.NodeID() == l.Exits[0].NodeID {
			return k
		}
	}
	t.Fatalf("lease %s: exit %s is none of the test's nodes", l.ID, l.Exits[0].NodeID)
	return identity.Key{}
}
