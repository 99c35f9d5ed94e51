package broker

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/sparelink/sparelink/broker/store"
)

// ranked is a candidate with its sort keys.
type ranked struct {
	node  *store.Node
	band  int     // value band, higher is better
	relay bool    // reachable only through a relay, for this buyer
	load  float64 // fraction of capacity in use, 0 to 1
}

// rank orders nodes best first: by value band, then those the buyer can
// reach without a relay, then least loaded, then node ID, a total order
// that does not depend on the input order.
func rank(nodes []store.Node, measured map[string]Quality, s matchSpec) []ranked {
	p := poolOf(nodes, measured)
	out := make([]ranked, len(nodes))
	for i := range nodes {
		n := &nodes[i]
		out[i] = ranked{node: n, band: band(value(*n, measured[n.ID], p, s.rateBps)), load: load(*n),
			relay: s.punchable != nil && !s.punchable(n.ID)}
	}
	slices.SortFunc(out, func(a, b ranked) int {
		if a.band != b.band {
			return cmp.Compare(b.band, a.band)
		}
		if a.relay != b.relay {
			return boolOrder(a.relay) - boolOrder(b.relay)
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

// load is how busy n was at its last heartbeat: the fraction of its
// capacity in use, or of its owner's lease limit, whichever is higher.
func load(n store.Node) float64 {
	if n.CapacityBps <= 0 {
		return 1
	}
	spare := min(max(n.SpareBps, 0), n.CapacityBps)
	l := 1 - float64(spare)/float64(n.CapacityBps)
	if r := n.Report; r.MaxLeases > 0 {
		l = max(l, min(float64(r.ActiveLeases)/float64(r.MaxLeases), 1))
	}
	return l
}
