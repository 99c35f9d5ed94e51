package sim

import (
	"context"
	"fmt"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/metering/receipt"
)

// operator is a seller account with its key.
type operator struct {
	id, key string
}

// node is an exit: its key, its clock skew, whether it is up, and the
// receipts it has issued but not yet seen acknowledged.
type node struct {
	n       int
	key     identity.Key
	id      string
	op      *operator
	country string
	online  bool
	beat    time.Time // last heartbeat, on the simulated clock
	skew    time.Duration
	outbox  []*receipt.Receipt
}

// buyer is a buyer account and what it was credited.
type buyer struct {
	n        int
	id, key  string
	credited int64
	leases   []*simLease
}

// simLease is a lease as the model knows it.
type simLease struct {
	n       int
	id      string
	buyer   *buyer
	price   int64
	fee     int64
	hold    int64
	expires time.Time
	ended   bool
	pairs   map[string]*pair // by node ID
}

// pair is one exit of a lease: what the exit issued, and what reached
// the broker.
type pair struct {
	node *node
	// Last issued cumulative receipt.
	seq      uint64
	up, down int64
	// Highest receipt the broker answered for.
	dSeq       uint64
	dUp, dDown int64
	// applied holds the seqs the broker said it applied.
	applied map[uint64]bool
	// exact: every delivery so far reached an active lease, so the
	// charge must be exactly the price of the bytes.
	exact bool
}

// Countries the simulated nodes are in.
var countries = []string{"DE", "FR", "US"}

// populate creates the admin, operators, nodes and buyers.
func (w *world) populate(ctx context.Context) error {
	key, _, err := w.brokers[0].EnsureAdmin(ctx, "sim")
	if err != nil {
		return err
	}
	w.admin = key
	for range w.cfg.Operators {
		id, k, err := w.account(ctx, api.KindOperator)
		if err != nil {
			return err
		}
		w.operators = append(w.operators, &operator{id: id, key: k})
	}
	for i := range w.cfg.Nodes {
		if err := w.addNode(ctx, i); err != nil {
			return err
		}
	}
	for i := range w.cfg.Buyers {
		id, k, err := w.account(ctx, api.KindBuyer)
		if err != nil {
			return err
		}
		b := &buyer{n: i, id: id, key: k, credited: 10_000_000 + w.rng.Int64N(10_000_000)}
		if _, err := w.via(w.admin).Credit(ctx, fmt.Sprintf("opening-%d", i), id, b.credited); err != nil {
			return fmt.Errorf("credit buyer %d: %w", i, err)
		}
		w.buyers = append(w.buyers, b)
	}
	return nil
}

func (w *world) account(ctx context.Context, kind string) (id, key string, err error) {
	admin := w.via(w.admin)
	a, err := admin.CreateAccount(ctx, api.CreateAccountRequest{Kind: kind, Name: kind})
	if err != nil {
		return "", "", fmt.Errorf("create %s: %w", kind, err)
	}
	k, err := w.via(w.admin).CreateKey(ctx, api.CreateKeyRequest{AccountID: a.ID})
	if err != nil {
		return "", "", fmt.Errorf("key for %s: %w", a.ID, err)
	}
	return a.ID, k.Key, nil
}

// addNode registers node i with a random operator, country, skew and
// price.
func (w *world) addNode(ctx context.Context, i int) error {
	n := &node{n: i, key: w.nodeKey(), op: w.operators[w.rng.IntN(len(w.operators))],
		country: countries[w.rng.IntN(len(countries))], online: true,
		skew: time.Duration(w.rng.Int64N(int64(2*w.cfg.NodeSkew)+1)) - w.cfg.NodeSkew}
	n.id = n.key.NodeID()
	req := api.RegisterNodeRequest{Region: api.Region{Country: n.country}, ASN: 64500 + i,
		ConnectionType: api.ConnResidential, Protocols: []string{api.ProtocolQUIC},
		QUICAddr: fmt.Sprintf("192.0.2.%d:4433", 1+i%250), PriceMicrosPerGB: 500_000 + w.rng.Int64N(4)*250_000,
		CapacityBps: 1 << 22}
	if _, err := w.via(n.op.key).RegisterNode(ctx, n.key.Private, req); err != nil {
		return fmt.Errorf("register node %d: %w", i, err)
	}
	w.nodes = append(w.nodes, n)
	return nil
}
