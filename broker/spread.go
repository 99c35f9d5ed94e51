package broker

import (
	"cmp"
	"slices"
)

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
