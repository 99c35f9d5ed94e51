package wginterop

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/node"
	"github.com/sparelink/sparelink/internal/nodetest"
	"github.com/sparelink/sparelink/internal/testenv"
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/relay/wgexit/wgtest"
)

// listing is the node's offer; the price makes a few hundred kilobytes
// cost a visible amount.
var listing = node.Listing{
	Region:           api.Region{Country: "DE", Subdivision: "DE-BE", City: "Berlin"},
	ASN:              64496,
	ConnectionType:   api.ConnResidential,
	PriceMicrosPerGB: 10_000_000,
	CapacityBps:      1 << 24,
}

// startNode runs a node whose WireGuard exit listens on listen and whose
// owner allows exactly allow beyond the built-in rules.
func startNode(t *testing.T, m *nodetest.Market, listen netip.Addr, allow string) *node.Node {
	t.Helper()
	log := zaptest.NewLogger(t)
	key, err := identity.Generate()
	if err != nil {
		t.Fatalf("node key: %v", err)
	}
	wgKey, err := identity.GenerateWireGuard()
	if err != nil {
		t.Fatalf("wireguard key: %v", err)
	}
	policy, err := node.NewPolicy([]string{allow}, nil, log)
	if err != nil {
		t.Fatalf("egress policy: %v", err)
	}
	opKey, _ := m.Operator()
	n, err := node.Start(context.Background(), node.Config{
		Key: key, Broker: client.New(m.URL, opKey, client.WithRetry(2, 10*time.Millisecond)),
		Egress: policy, Listing: listing,
		HeartbeatInterval: time.Hour, ReceiptInterval: time.Hour,
		WireGuard: &node.WireGuard{Key: wgKey, ListenAddr: net.JoinHostPort(listen.String(), "0")},
	}, log.Named("node"))
	if err != nil {
		t.Fatalf("start node: %v", err)
	}
	t.Cleanup(func() { _ = n.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("node Run: %v", err)
		}
	})
	return n
}

// buyWireGuardLease buys a one-exit WireGuard lease with a fresh key and
// returns it with the exit's configuration completed by the SDK.
func buyWireGuardLease(t *testing.T, buyer *client.Client) (*api.Lease, string) {
	t.Helper()
	private, public, err := client.NewWireGuardKey()
	if err != nil {
		t.Fatalf("buyer key: %v", err)
	}
	l, err := buyer.CreateLease(context.Background(), "wg-interop", api.LeaseRequest{
		Coverage: api.Coverage{Country: listing.Region.Country}, Protocols: []string{api.ProtocolWireGuard},
		Exits: 1, WireGuardPublicKey: public, MaxBytes: 16 << 20,
	})
	if err != nil {
		t.Fatalf("create lease: %v", err)
	}
	if len(l.Exits) != 1 || l.Exits[0].WireGuard == nil {
		t.Fatalf("lease exits %+v, want one with WireGuard credentials", l.Exits)
	}
	conf, err := client.WireGuardConfig(l.Exits[0].WireGuard, private)
	if err != nil {
		t.Fatalf("complete the configuration: %v", err)
	}
	return l, conf
}

// TestLeaseThroughStockClient buys a WireGuard lease from a real broker
// and uses it with Debian's wireguard-go and curl in a namespace of their
// own, fetching from an origin in another namespace that the node's owner
// allows. What the origin served must be what the node metered and what
// the broker settled and charged; denied destinations must get nothing
// and cost nothing.
func TestLeaseThroughStockClient(t *testing.T) {
	testenv.NeedRoot(t)
	for _, tool := range []string{"ip", "wg", "wireguard-go", "curl"} {
		testenv.NeedTool(t, tool)
	}
	buyerNet, originNet := newVeth(t, "b", 252), newVeth(t, "o", 253)
	var origin, otherPort *wgtest.Canary
	inNamespace(t, originNet.ns, func() {
		origin = wgtest.StartCanaryOn(t, originNet.peer.String())
		otherPort = wgtest.StartCanaryOn(t, originNet.peer.String())
	})
	hostCanary := wgtest.StartCanaryOn(t, originNet.host.String())

	m := nodetest.NewMarket(t)
	n := startNode(t, m, buyerNet.host, origin.Addr)
	buyer := m.Buyer()
	l, conf := buyWireGuardLease(t, buyer)
	if want := n.WireGuardAddr(); l.Exits[0].WireGuard.Endpoint != want {
		t.Fatalf("lease endpoint %q, want the node's %q", l.Exits[0].WireGuard.Endpoint, want)
	}
	before := funds(t, buyer)
	c := startStockClient(t, buyerNet.ns, conf)
	c.waitHandshake(t)

	if code, size := c.curl(t, origin.URL+"/bytes/300000"); code != 0 || size != "300000" {
		t.Fatalf("curl through the tunnel: exit code %d, %s bytes; want 0 and 300000\nconfig:\n%s", code, size, conf)
	}
	nodetest.WaitFor(t, "the node's meter to count what the origin served", func() bool {
		got := n.Meter().Lease(l.ID).Totals()
		return got == meter.Totals{Up: origin.Read(), Down: origin.Written()}
	})
	served := n.Meter().Lease(l.ID).Totals()
	t.Logf("origin read %d and served %d bytes; node metered %+v", origin.Read(), origin.Written(), served)

	checkDenied(t, c, []deniedCase{
		{name: "private", url: "http://10.0.0.1/"},
		{name: "metadata", url: "http://169.254.169.254/latest/meta-data/"},
		{name: "host's own veth address", url: hostCanary.URL + "/bytes/10", canary: hostCanary},
		{name: "origin on a port not allowed", url: otherPort.URL + "/bytes/10", canary: otherPort},
	})
	if got := n.Meter().Lease(l.ID).Totals(); got != served {
		t.Errorf("got meter %+v after the denied requests, want it unchanged at %+v", got, served)
	}
	checkSettled(t, n, buyer, l, served, before)
}

// deniedCase is a destination the buyer must not reach; canary, when
// set, listens there.
type deniedCase struct {
	name, url string
	canary    *wgtest.Canary
}

func checkDenied(t *testing.T, c *stockClient, cases []deniedCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run("denied "+tc.name, func(t *testing.T) {
			start := time.Now()
			// 7 is curl's "failed to connect": the exit answers a refused
			// destination's SYN with a RST.
			if code, size := c.curl(t, tc.url); code != 7 {
				t.Errorf("curl %s: exit code %d with %s bytes after %v, want 7 (connection refused)",
					tc.url, code, size, time.Since(start))
			}
			if tc.canary != nil && tc.canary.Conns() != 0 {
				t.Errorf("%s: got %d connections at %s, want 0", tc.name, tc.canary.Conns(), tc.canary.Addr)
			}
		})
	}
}
