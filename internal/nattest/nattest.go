// Package nattest starts exit nodes with NAT traversal against a real
// broker (internal/nodetest's market), and rendezvous relays with their
// forwarders, for the tests and benchmarks of buyers that reach exits
// behind NAT. It is for tests only.
package nattest

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/node"
	"github.com/sparelink/sparelink/relay/forward"
	"github.com/sparelink/sparelink/relay/punch"
)

// Options describe one node.
type Options struct {
	Country string // zero: DE
	// Allow lists the egress rules (relay/egress syntax) buyers may reach.
	Allow []string
	// Punch configures the node's ICE.
	Punch punch.Config
	// Reach is the reachability the node reports; zero: behind_nat.
	Reach api.Reachability
	// Forwarder makes the node a relay advertising this forwarder.
	Forwarder string
	// ListenQUIC is the exit's UDP address; zero: 127.0.0.1:0.
	ListenQUIC string
}

// Node is a running node with its traversal.
type Node struct {
	*node.Node
	Traversal *node.Traversal
}

// StartNode starts a node registered through op, runs it and its
// traversal, and stops all of it when the test ends.
func StartNode(t testing.TB, op *client.Client, o Options) *Node {
	t.Helper()
	log := zaptest.NewLogger(t).Named("node")
	if o.Country == "" {
		o.Country = "DE"
	}
	if o.Reach.Code == "" {
		o.Reach.Code = api.ReachBehindNAT
	}
	conn := api.ConnResidential
	if o.Forwarder != "" {
		conn = api.ConnBusiness // only relays may run forwarders
	}
	key, err := identity.Generate()
	if err != nil {
		t.Fatalf("nattest: key: %v", err)
	}
	policy, err := node.Rules{Allow: o.Allow}.Policy(log)
	if err != nil {
		t.Fatalf("nattest: egress: %v", err)
	}
	var tr *node.Traversal
	var ready sync.WaitGroup
	ready.Add(1)
	n, err := node.Start(context.Background(), node.Config{
		Key: key, Broker: op, Egress: policy, ListenQUIC: o.ListenQUIC,
		Listing: node.Listing{Region: api.Region{Country: o.Country}, ASN: 64500,
			ConnectionType: conn, PriceMicrosPerGB: 1000, CapacityBps: 1 << 30},
		HeartbeatInterval: time.Second, ReceiptInterval: 200 * time.Millisecond,
		Commands: func(ctx context.Context, c api.Command) error { ready.Wait(); return tr.Handle(ctx, c) },
	}, log)
	if err != nil {
		t.Fatalf("nattest: start node: %v", err)
	}
	reach := o.Reach
	tr = node.NewTraversal(n, node.TraversalConfig{Punch: o.Punch, Forwarder: o.Forwarder,
		Reach: func() api.Reachability { return reach }, ReachPoll: 100 * time.Millisecond, RelayInterval: 200 * time.Millisecond}, log)
	ready.Done()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = n.Run(ctx) }()
	go func() { defer wg.Done(); tr.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		tr.Close()
		n.Close()
	})
	return &Node{Node: n, Traversal: tr}
}

// StartRelay starts a forwarder on listen (zero: 127.0.0.1:0) and a relay
// node that advertises it, so the broker assigns it to NAT'd nodes.
func StartRelay(t testing.TB, op *client.Client, listen string, o Options) (*forward.Server, *Node) {
	t.Helper()
	srv, err := forward.Listen(forward.ServerConfig{Listen: listen}, zaptest.NewLogger(t).Named("forward"))
	if err != nil {
		t.Fatalf("nattest: forwarder: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	o.Forwarder = srv.Addr().String()
	o.Reach = api.Reachability{Code: api.ReachPublic}
	return srv, StartNode(t, op, o)
}

// WaitRelayed waits until the node holds a registered connection to its
// rendezvous relay.
func WaitRelayed(t testing.TB, n *Node) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !n.Traversal.Status().RelayRegistered {
		if time.Now().After(deadline) {
			t.Fatalf("nattest: node %s never registered with a relay: %+v", n.ID(), n.Traversal.Status())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
