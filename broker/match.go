package broker

// Matching turns a lease request into exits in three steps: keep the online
// nodes that fit the request (admits), order them by what a buyer gets for
// the money (rank), and choose the lease's exits so that one operator's or
// one network's outage costs it as little as possible (spread).
// docs/matching.md states the same rules for buyers and operators.

import (
	"context"
	"slices"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
)

// maxCandidates bounds how many matching nodes one request considers. The
// store returns them by node ID, so a larger supply is cut to the lowest
// IDs: derived from public keys, they favour no operator or region, but
// the same nodes are left out every time (docs/matching.md, "Limits").
const maxCandidates = 10_000

// Ranking constants; docs/matching.md explains each.
const (
	successPrior     = 10                     // pseudo-attempts pulling a node's success rate toward the pool's
	latencyRef       = 200 * time.Millisecond // round trip at which the latency factor is one half
	minThroughputRef = 1 << 20                // bytes/s at which the throughput factor is one half, at least
	bandStep         = 0.05                   // values within one 5% step count as equal
)

// Quality is what the market has measured about one exit, from probes
// through it and from the connections and receipts of its leases. Zero
// means "not measured" (for the success rate: zero Attempts): the matcher
// then treats the exit as a typical candidate of the same request, neither
// better nor worse, so a new exit is neither shunned nor favoured.
type Quality struct {
	Attempts      int64         // connections or probes tried through the exit
	Successes     int64         // of Attempts, those that worked
	Latency       time.Duration // median round trip through the exit
	ThroughputBps int64         // bytes per second measured through the exit
}

// QualitySource reports the measured quality of exits by node ID; nodes
// it knows nothing about are left out of the map. The matcher consumes it;
// docs/matching.md says what feeds it.
type QualitySource interface {
	Quality(ctx context.Context, nodeIDs []string) (map[string]Quality, error)
}

// offer is what the market can sell for a request right now.
type offer struct {
	exits     []store.Node // the exits a lease would get, in preference order
	available int          // all online nodes matching the request
	operators int          // distinct operators among them
	price     int64        // the lease price: the highest floor among exits
}

// match finds the online nodes serving req's coverage and protocols and
// chooses up to req.Exits of them.
func (b *Broker) match(ctx context.Context, req api.LeaseRequest) (offer, error) {
	s := specFor(req, b.seenSince())
	if err := checkNAT(req.NAT); err != nil {
		return offer{}, err
	}
	s.punchable = b.signals.punchable(req.NAT)
	nodes, err := b.st.Nodes(ctx, s.filter())
	if err != nil {
		return offer{}, storeProblem(err, "match nodes")
	}
	measured := make(map[string]Quality)
	for _, n := range nodes {
		if q, ok := qualityOf(n); ok {
			measured[n.ID] = q
		}
	}
	return choose(nodes, measured, s), nil
}

// choose builds the offer for s from candidate nodes and what is measured
// about them.
func choose(nodes []store.Node, measured map[string]Quality, s matchSpec) offer {
	cands := make([]store.Node, 0, len(nodes))
	ops := make(map[string]bool)
	for _, n := range nodes {
		if s.admits(n) {
			cands = append(cands, n)
			ops[n.OperatorID] = true
		}
	}
	o := offer{available: len(cands), operators: len(ops)}
	for _, c := range spread(rank(cands, measured, s), s.exits) {
		o.exits = append(o.exits, *c.node)
		o.price = max(o.price, c.node.PriceMicrosPerGB)
	}
	return o
}

// matchSpec is what a lease request asks of its exits.
type matchSpec struct {
	coverage  api.Coverage
	protocols []string
	exits     int
	rateBps   int64
	seenSince time.Time // online means seen at or after this
	// punchable, when set, tells the exits the buyer can reach without
	// a relay; ranking prefers them (see signalmatch.go).
	punchable func(nodeID string) bool
}

func specFor(req api.LeaseRequest, seenSince time.Time) matchSpec {
	return matchSpec{
		coverage: req.Coverage, protocols: req.Protocols, exits: req.Exits,
		rateBps: req.RateBps, seenSince: seenSince,
	}
}

// filter asks the store for what it can select itself; admits checks all
// of it again, so the matcher is right whatever the engine does.
func (s matchSpec) filter() store.NodeFilter {
	c := s.coverage
	f := store.NodeFilter{
		Country: c.Country, Subdivision: c.Subdivision, City: c.City, ASN: c.ASN,
		ConnType: c.ConnectionType, SeenSince: s.seenSince, Limit: maxCandidates,
	}
	if len(s.protocols) > 0 {
		f.Protocol = s.protocols[0]
	}
	return f
}

// admits reports whether n is online, takes new leases and serves the coverage and every
// protocol of s.
func (s matchSpec) admits(n store.Node) bool {
	c := s.coverage
	switch {
	case n.LastSeen.IsZero() || n.LastSeen.Before(s.seenSince), !available(n),
		c.Country != "" && n.Region.Country != c.Country,
		c.Subdivision != "" && n.Region.Subdivision != c.Subdivision,
		c.City != "" && n.Region.City != c.City,
		c.ASN != 0 && n.ASN != c.ASN,
		c.ConnectionType != "" && n.ConnType != c.ConnectionType:
		return false
	}
	return serves(n, s.protocols)
}

// serves reports whether n offers every protocol in protos.
func serves(n store.Node, protos []string) bool {
	for _, p := range protos {
		if !slices.Contains(n.Protocols, p) || (p == api.ProtocolQUIC && n.QUICAddr == "") ||
			(p == api.ProtocolWireGuard && (n.WGAddr == "" || len(n.WGPublicKey) == 0)) {
			return false
		}
	}
	return true
}
