package natdial_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/client/gateway"
	"github.com/sparelink/sparelink/client/natdial"
	"github.com/sparelink/sparelink/internal/nattest"
	"github.com/sparelink/sparelink/internal/nodetest"
	"github.com/sparelink/sparelink/relay/punch/punchtest"
)

// TestGatewayOverNATExit carries HTTP requests through a real gateway
// whose pool reaches an exit behind "NAT" on loopback with FromLease,
// punched and through the relay, with the buyer's receipts on.
func TestGatewayOverNATExit(t *testing.T) {
	m := nodetest.NewMarket(t)
	_, op := m.Operator()
	body := bytes.Repeat([]byte("canary over the gateway\n"), 2000)
	canary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(body) }))
	t.Cleanup(canary.Close)
	canaryAddr := strings.TrimPrefix(canary.URL, "http://")
	relay, _ := nattest.StartRelay(t, op, "", nattest.Options{Country: "FR", Punch: punchtest.Config()})
	n := nattest.StartNode(t, op, nattest.Options{Allow: []string{canaryAddr}, Punch: punchtest.Config()})
	nattest.WaitRelayed(t, n)
	buyer := m.Buyer()
	cases := []struct {
		name      string
		relayOnly bool
		wantKind  string
	}{
		{"punched", false, natdial.KindPunched},
		{"relayed", true, natdial.KindRelayed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, key := leaseWithKey(t, buyer)
			if got := natdial.Behind(l); len(got) != 1 || got[0] != n.ID() {
				t.Fatalf("Behind: got %v, want [%s]", got, n.ID())
			}
			log := zaptest.NewLogger(t).Named("buyer")
			kinds := make(chan string, 8)
			onPath := func(node, kind, _ string) { kinds <- node + " " + kind }
			exits, err := natdial.FromLease(buyer, l, natdial.LeaseConfig{Punch: punchtest.Config(), RelayOnly: tc.relayOnly, OnPath: onPath}, log)
			if err != nil || len(exits) != 1 || exits[0].Path == nil {
				t.Fatalf("FromLease: got %+v, %v; want one exit with a path", exits, err)
			}
			pool := exitdial.NewPool(exitdial.WithReceipts(exits, exitdial.Receipts{LeaseID: l.ID, Key: key}), log)
			t.Cleanup(func() { pool.Close() })
			watchPool(t, pool)
			proxy := startGateway(t, pool)
			relayBefore := relay.Meter().Lease(n.ID()).Totals().Down
			for i := range 2 {
				if got := get(t, proxy, canary.URL); !bytes.Equal(got, body) {
					t.Fatalf("request %d: got %d bytes, want the %d byte canary", i, len(got), len(body))
				}
			}
			select {
			case got := <-kinds:
				if want := n.ID() + " " + tc.wantKind; got != want {
					t.Errorf("path opened: got %q, want %q", got, want)
				}
			default:
				t.Errorf("no path reported to OnPath")
			}
			want := int64(2 * len(body))
			nodetest.WaitFor(t, "the exit's meter", func() bool { return n.Meter().Lease(l.ID).Totals().Down >= want })
			relayed := relay.Meter().Lease(n.ID()).Totals().Down - relayBefore
			if tc.relayOnly && relayed < want {
				t.Errorf("relay leg: got %d bytes down, want at least %d", relayed, want)
			}
			if !tc.relayOnly && relayed > 1000 {
				t.Errorf("relay leg of a punched path: got %d bytes down, want next to none", relayed)
			}
			nodetest.WaitFor(t, "a countersigned receipt covering the canaries", func() bool {
				s := pool.ReceiptStats()[n.ID()]
				return s.Signed > 0 && s.Countersigned.Down >= want && s.Rejected == 0
			})
		})
	}
}

// leaseWithKey buys a one-exit lease in DE with a fresh buyer key.
func leaseWithKey(t *testing.T, buyer *client.Client) (*api.Lease, ed25519.PrivateKey) {
	t.Helper()
	key, err := exitdial.NewBuyerKey()
	if err != nil {
		t.Fatal(err)
	}
	l, err := buyer.CreateLease(context.Background(), "lease-"+t.Name(), api.LeaseRequest{
		Coverage: api.Coverage{Country: "DE"}, Protocols: []string{api.ProtocolQUIC}, Exits: 1, MaxBytes: 256 << 20,
		BuyerKey: base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey)),
	})
	if err != nil {
		t.Fatalf("create lease: %v", err)
	}
	return l, key
}

func watchPool(t *testing.T, pool *exitdial.Pool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); pool.Watch(ctx, exitdial.HealthConfig{}) }()
	t.Cleanup(func() { cancel(); <-done })
}

// startGateway serves an HTTP proxy over pool on loopback and returns
// its URL.
func startGateway(t *testing.T, pool *exitdial.Pool) *url.URL {
	t.Helper()
	g, err := gateway.New(gateway.Config{}, pool, zaptest.NewLogger(t).Named("gateway"))
	if err != nil {
		t.Fatalf("gateway: %v", err)
	}
	t.Cleanup(func() { g.Close() })
	a, err := g.ListenHTTP("127.0.0.1:0")
	if err != nil {
		t.Fatalf("gateway listen: %v", err)
	}
	return &url.URL{Scheme: "http", Host: a.String()}
}

// get fetches target through the proxy.
func get(t *testing.T, proxy *url.URL, target string) []byte {
	t.Helper()
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(proxy), DisableKeepAlives: true}}
	rsp, err := hc.Get(target)
	if err != nil {
		t.Fatalf("GET %s through the gateway: %v", target, err)
	}
	defer rsp.Body.Close()
	b, err := io.ReadAll(rsp.Body)
	if err != nil || rsp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, err %v", target, rsp.StatusCode, err)
	}
	return b
}
