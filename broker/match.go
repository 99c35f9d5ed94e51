package broker

// Matching turns a lease request into exits in three steps: keep the online
// nodes that fit the request (admits), order them by what a buyer gets for
// the money (rank), and choose the lease's exits so that one operator's or
// one network's outage costs it as little as possible (spread).
// docs/matching.md states the same rules for buyers and operators.

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
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
	nodes, err := b.st.Nodes(ctx, s.filter())
	if err != nil {
		return offer{}, storeProblem(err, "match nodes")
	}
	// No measurement reaches the broker yet beyond heartbeats, whose spare
	// capacity the node record carries: every exit's Quality is unknown.
	return choose(nodes, nil, s), nil
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

// admits reports whether n is online and serves the coverage and every
// protocol of s.
func (s matchSpec) admits(n store.Node) bool {
	c := s.coverage
	switch {
	case n.LastSeen.IsZero() || n.LastSeen.Before(s.seenSince),
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
		if !slices.Contains(n.Protocols, p) || (p == api.ProtocolQUIC && n.QUICAddr == "") {
			return false
		}
	}
	return true
}

// ranked is a candidate with its sort keys.
type ranked struct {
	node *store.Node
	band int     // value band, higher is better
	load float64 // fraction of capacity in use, 0 to 1
}

// rank orders nodes best first: by value band, then least loaded, then
// node ID, a total order that does not depend on the input order.
func rank(nodes []store.Node, measured map[string]Quality, s matchSpec) []ranked {
	p := poolOf(nodes, measured)
	out := make([]ranked, len(nodes))
	for i := range nodes {
		n := &nodes[i]
		out[i] = ranked{node: n, band: band(value(*n, measured[n.ID], p, s.rateBps)), load: load(*n)}
	}
	slices.SortFunc(out, func(a, b ranked) int {
		if a.band != b.band {
			return cmp.Compare(b.band, a.band)
		}
		if a.load != b.load {
			return cmp.Compare(a.load, b.load)
		}
		return strings.Compare(a.node.ID, b.node.ID)
	})
	return out
}

// pool is what the candidates of one request look like as a whole: the
// stand-in for anything not measured about one of them.
type pool struct {
	successRate float64       // over all measured attempts; 1 when none
	latency     time.Duration // median of the measured; 0 when none
	throughput  int64         // median of the measured; 0 when none
}

func poolOf(nodes []store.Node, measured map[string]Quality) pool {
	p := pool{successRate: 1}
	// Sums of whole numbers below 2^53 are exact in float64, so the
	// result does not depend on the order of nodes.
	var attempts, successes float64
	var lats []time.Duration
	var thrs []int64
	for _, n := range nodes {
		q, ok := measured[n.ID]
		if !ok {
			continue
		}
		a, s := attemptsOf(q)
		attempts, successes = attempts+float64(a), successes+float64(s)
		if q.Latency > 0 {
			lats = append(lats, q.Latency)
		}
		if q.ThroughputBps > 0 {
			thrs = append(thrs, q.ThroughputBps)
		}
	}
	if attempts > 0 {
		p.successRate = successes / attempts
	}
	p.latency, p.throughput = median(lats), median(thrs)
	return p
}

// attemptsOf returns q's attempts and successes, made consistent.
func attemptsOf(q Quality) (attempts, successes int64) {
	attempts = max(q.Attempts, 0)
	return attempts, min(max(q.Successes, 0), attempts)
}

// median returns the lower median of vs, or zero for none.
func median[T cmp.Ordered](vs []T) T {
	var zero T
	if len(vs) == 0 {
		return zero
	}
	slices.Sort(vs)
	return vs[(len(vs)-1)/2]
}

// value is what a buyer gets per unit of money: quality cubed over the
// floor price, so that an exit half as good must be eight times cheaper
// to rank level, while close qualities leave the choice to the price.
func value(n store.Node, q Quality, p pool, rateBps int64) float64 {
	quality := success(q, p) * latencyFactor(q.Latency, p.latency) * throughputFactor(n, q, p, rateBps)
	return quality * quality * quality / float64(max(n.PriceMicrosPerGB, 1))
}

// success is the node's success rate drawn toward the pool's by
// successPrior pseudo-attempts: no attempts give the pool's rate, and a
// few failures do not sink a node.
func success(q Quality, p pool) float64 {
	a, s := attemptsOf(q)
	return (float64(s) + successPrior*p.successRate) / (float64(a) + successPrior)
}

// latencyFactor falls from 1 toward 0 as the round trip grows: 1/2 at
// latencyRef. Unmeasured is the pool's median; nothing measured at all is
// 1 for everyone.
func latencyFactor(l, typical time.Duration) float64 {
	if l <= 0 {
		l = typical
	}
	if l <= 0 {
		return 1
	}
	return float64(latencyRef) / (float64(latencyRef) + float64(l))
}

// throughputFactor rises from 0 toward 1 with what the node can deliver:
// its spare capacity, capped by its measured (or the pool's typical)
// throughput. It is 1/2 at the request's rate or at minThroughputRef,
// whichever is higher.
func throughputFactor(n store.Node, q Quality, p pool, rateBps int64) float64 {
	d, t := max(n.SpareBps, 0), q.ThroughputBps
	if t <= 0 {
		t = p.throughput
	}
	if t > 0 {
		d = min(d, t)
	}
	ref := float64(max(rateBps, minThroughputRef))
	return float64(d) / (float64(d) + ref)
}

// band puts v on a logarithmic scale of bandStep steps. A value of zero
// (no spare capacity, or no success at all) ranks below every other.
func band(v float64) int {
	if !(v > 0) || math.IsInf(v, 0) {
		return math.MinInt
	}
	return int(math.Floor(math.Log(v) / math.Log1p(bandStep)))
}

// load is the fraction of n's capacity in use by its last heartbeat.
func load(n store.Node) float64 {
	if n.CapacityBps <= 0 {
		return 1
	}
	spare := min(max(n.SpareBps, 0), n.CapacityBps)
	return 1 - float64(spare)/float64(n.CapacityBps)
}

// spread chooses up to k candidates, ranked best first, so that a lease
// survives the loss of any one operator, and of any one network (ASN)
// where supply allows. Exits are dealt to operators in rounds: every
// operator with nodes left gets one exit per round before any gets
// another. Within that, as many exits as possible sit in ASNs no other
// exit of the lease uses: a maximum matching of slots to ASNs, built slot
// by slot in round and rank order with augmenting paths, so that better
// operators keep their best nodes and others give way. When a round has
// fewer slots than operators, the slots go first to operators that bring
// a new ASN. A slot without a new ASN takes its operator's best node in
// the least used ASN. Exits are listed by round, then by rank.
func spread(cands []ranked, k int) []ranked {
	if k <= 0 || len(cands) == 0 {
		return nil
	}
	s := newSpreader(cands)
	s.plan(k)
	s.fill()
	return s.result()
}

// spreader holds the state of one spread. Operators and ASNs are numbered
// in order of first appearance, so operator 0 has the best candidate.
type spreader struct {
	cands   []ranked
	op, asn []int   // per candidate: its operator and ASN number
	nodesOf [][]int // per operator: its candidates, best first
	edges   [][]int // per operator: its best candidate in each ASN, best first
	slotOp  []int   // per slot of the lease: its operator
	matched []int   // per slot: its candidate in an ASN of its own, or -1
	holder  []int   // per ASN: the slot matched to it, or -1
	seen    []int   // per ASN: the search that last visited it
	search  int
	taken   []bool // per candidate
	perASN  []int  // exits of the lease in each ASN
	picked  []int
}

func newSpreader(cands []ranked) *spreader {
	s := &spreader{cands: cands, op: make([]int, len(cands)), asn: make([]int, len(cands)), taken: make([]bool, len(cands))}
	ops, asns := make(map[string]int), make(map[int]int)
	pairs := make(map[[2]int]bool, len(cands))
	for i, c := range cands {
		o, a := intern(ops, c.node.OperatorID), intern(asns, c.node.ASN) // ASN 0 (unknown) is one network
		s.op[i], s.asn[i] = o, a
		if o == len(s.nodesOf) {
			s.nodesOf, s.edges = append(s.nodesOf, nil), append(s.edges, nil)
		}
		s.nodesOf[o] = append(s.nodesOf[o], i)
		if !pairs[[2]int{o, a}] {
			pairs[[2]int{o, a}] = true
			s.edges[o] = append(s.edges[o], i)
		}
	}
	s.holder, s.seen, s.perASN = filled(len(asns), -1), filled(len(asns), -1), make([]int, len(asns))
	return s
}

// intern returns k's number in m, adding it as the next one if new.
func intern[K comparable](m map[K]int, k K) int {
	n, ok := m[k]
	if !ok {
		n = len(m)
		m[k] = n
	}
	return n
}

func filled(n, v int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// plan deals up to k slots to operators round by round and matches as
// many as it can to ASNs of their own.
func (s *spreader) plan(k int) {
	for r := 0; len(s.slotOp) < k; r++ {
		var round []int
		for o, ns := range s.nodesOf {
			if len(ns) > r {
				round = append(round, o)
			}
		}
		if len(round) == 0 {
			return
		}
		full := len(round) <= k-len(s.slotOp)
		var without []int // operators of a short round that bring no new ASN
		for _, o := range round {
			if len(s.slotOp) == k {
				break
			}
			if !s.addSlot(o) && !full {
				s.slotOp, s.matched = s.slotOp[:len(s.slotOp)-1], s.matched[:len(s.matched)-1]
				without = append(without, o)
			}
		}
		for _, o := range without[:min(len(without), k-len(s.slotOp))] {
			s.addSlot(o)
		}
	}
}

// addSlot gives operator o a slot and reports whether the slot got an
// ASN of its own.
func (s *spreader) addSlot(o int) bool {
	s.slotOp, s.matched = append(s.slotOp, o), append(s.matched, -1)
	s.search++
	return s.augment(len(s.slotOp) - 1)
}

// augment finds slot c an ASN: a free one if its operator has any, else
// one whose slot can move to another ASN.
func (s *spreader) augment(c int) bool {
	edges := s.edges[s.slotOp[c]]
	for _, i := range edges {
		if s.holder[s.asn[i]] < 0 {
			s.assign(c, i)
			return true
		}
	}
	for _, i := range edges {
		a := s.asn[i]
		if s.seen[a] == s.search {
			continue
		}
		s.seen[a] = s.search
		if s.augment(s.holder[a]) {
			s.assign(c, i)
			return true
		}
	}
	return false
}

func (s *spreader) assign(c, i int) {
	s.holder[s.asn[i]], s.matched[c] = c, i
}

// fill takes the matched nodes, then gives every other slot its
// operator's best free node in the least used ASN.
func (s *spreader) fill() {
	for _, i := range s.matched {
		if i >= 0 {
			s.take(i)
		}
	}
	for c, i := range s.matched {
		if i >= 0 {
			continue
		}
		best := -1
		for _, j := range s.nodesOf[s.slotOp[c]] {
			if !s.taken[j] && (best < 0 || s.perASN[s.asn[j]] < s.perASN[s.asn[best]]) {
				best = j
			}
		}
		if best >= 0 {
			s.take(best)
		}
	}
}

func (s *spreader) take(i int) {
	s.taken[i] = true
	s.picked = append(s.picked, i)
	s.perASN[s.asn[i]]++
}

// result lists the picked candidates by round, then rank.
func (s *spreader) result() []ranked {
	slices.Sort(s.picked)
	round, nth := make(map[int]int, len(s.picked)), make(map[int]int)
	for _, i := range s.picked {
		round[i] = nth[s.op[i]]
		nth[s.op[i]]++
	}
	slices.SortStableFunc(s.picked, func(i, j int) int { return cmp.Compare(round[i], round[j]) })
	out := make([]ranked, len(s.picked))
	for k, i := range s.picked {
		out[k] = s.cands[i]
	}
	return out
}
