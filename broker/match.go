package broker

import (
	"context"
	"slices"
	"strings"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
)

// maxCandidates bounds how many matching nodes one request considers.
const maxCandidates = 1000

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
	c := req.Coverage
	nodes, err := b.st.Nodes(ctx, store.NodeFilter{
		Country: c.Country, Subdivision: c.Subdivision, City: c.City, ASN: c.ASN,
		ConnType: c.ConnectionType, Protocol: req.Protocols[0],
		SeenSince: b.seenSince(), Limit: maxCandidates,
	})
	if err != nil {
		return offer{}, storeProblem(err, "match nodes")
	}
	cands := slices.DeleteFunc(nodes, func(n store.Node) bool { return !serves(n, req.Protocols) })
	ops := make(map[string]bool)
	for _, n := range cands {
		ops[n.OperatorID] = true
	}
	o := offer{exits: pick(cands, req.Exits), available: len(cands), operators: len(ops)}
	for _, n := range o.exits {
		o.price = max(o.price, n.PriceMicrosPerGB)
	}
	return o, nil
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

// pick chooses up to n nodes, spreading them across operators first and
// autonomous systems second, so that one operator or network failing
// costs a lease as few exits as possible: no operator gets a second exit
// while another operator has none, and likewise for ASNs among operators
// tied on that. Ties go to the node with the most spare capacity, then to
// the lowest ID, so the choice is deterministic.
func pick(cands []store.Node, n int) []store.Node {
	rest := slices.Clone(cands)
	slices.SortFunc(rest, func(a, b store.Node) int {
		if a.SpareBps != b.SpareBps {
			return cmpDesc(a.SpareBps, b.SpareBps)
		}
		return strings.Compare(a.ID, b.ID)
	})
	perOp := make(map[string]int)
	perASN := make(map[int]int)
	var out []store.Node
	for len(out) < n && len(rest) > 0 {
		best := 0
		for i := 1; i < len(rest); i++ {
			if spreadKey(rest[i], perOp, perASN).less(spreadKey(rest[best], perOp, perASN)) {
				best = i
			}
		}
		chosen := rest[best]
		out = append(out, chosen)
		perOp[chosen.OperatorID]++
		perASN[chosen.ASN]++
		rest = slices.Delete(rest, best, best+1)
	}
	return out
}

// spread is how crowded a candidate's operator and ASN already are.
type spread struct{ op, asn int }

func spreadKey(n store.Node, perOp map[string]int, perASN map[int]int) spread {
	return spread{op: perOp[n.OperatorID], asn: perASN[n.ASN]}
}

func (s spread) less(t spread) bool {
	if s.op != t.op {
		return s.op < t.op
	}
	return s.asn < t.asn
}

func cmpDesc(a, b int64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}
