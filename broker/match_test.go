package broker

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/broker/store/sqlite"
)

const mib = 1 << 20

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// exit returns an exit seen now in Berlin, serving QUIC, with 10 MiB/s of
// capacity, all of it spare.
func exit(id, op string, asn int, price int64) store.Node {
	return store.Node{
		ID: id, OperatorID: op, ASN: asn, PriceMicrosPerGB: price,
		Region:   store.Region{Country: "DE", Subdivision: "DE-BE", City: "Berlin"},
		ConnType: api.ConnResidential, Protocols: []string{api.ProtocolQUIC}, QUICAddr: "127.0.0.1:4433",
		CapacityBps: 10 * mib, SpareBps: 10 * mib, LastSeen: testNow,
	}
}

// withSpare returns n with the given spare and advertised capacity.
func withSpare(n store.Node, spare, capacity int64) store.Node {
	n.SpareBps, n.CapacityBps = spare, capacity
	return n
}

// testSpec asks for k QUIC exits anywhere, online meaning seen within 30s.
func testSpec(k int) matchSpec {
	return matchSpec{protocols: []string{api.ProtocolQUIC}, exits: k, seenSince: testNow.Add(-30 * time.Second)}
}

func rankedIDs(rs []ranked) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.node.ID)
	}
	return strings.Join(out, ",")
}

func nodeIDs(ns []store.Node) string {
	var out []string
	for _, n := range ns {
		out = append(out, n.ID)
	}
	return strings.Join(out, ",")
}

// measuredOK is a measurement of attempts with the given successes.
func measuredOK(successes, attempts int64) Quality {
	return Quality{Attempts: attempts, Successes: successes}
}

func TestRank(t *testing.T) {
	tests := []struct {
		name     string
		nodes    []store.Node
		measured map[string]Quality
		rateBps  int64
		want     string
	}{
		{"cheaper first at equal quality", []store.Node{exit("a", "o1", 1, 3), exit("b", "o2", 2, 1), exit("c", "o3", 3, 2)}, nil, 0, "b,c,a"},
		{"quality beats price when far apart", []store.Node{exit("poor", "o1", 1, 1_000_000), exit("good", "o2", 2, 3_000_000)},
			map[string]Quality{"poor": measuredOK(40, 100), "good": measuredOK(99, 100)}, 0, "good,poor"},
		{"price decides when quality is close", []store.Node{exit("a", "o1", 1, 2_000_000), exit("b", "o2", 2, 1_000_000)},
			map[string]Quality{"a": measuredOK(96, 100), "b": measuredOK(95, 100)}, 0, "b,a"},
		{"unmeasured success ranks as typical", []store.Node{exit("new", "o1", 1, 5), exit("top", "o2", 2, 5), exit("weak", "o3", 3, 5)},
			map[string]Quality{"top": measuredOK(99, 100), "weak": measuredOK(50, 100)}, 0, "top,new,weak"},
		{"few failures do not sink a node", []store.Node{exit("a", "o1", 1, 5), exit("b", "o2", 2, 5)},
			map[string]Quality{"a": measuredOK(0, 1), "b": measuredOK(900, 1000)}, 0, "b,a"},
		{"unmeasured latency ranks as the median", []store.Node{exit("fast", "o1", 1, 5), exit("mid", "o2", 2, 5), exit("nomeasure", "o3", 3, 5), exit("slow", "o4", 4, 5)},
			map[string]Quality{"fast": {Latency: 20 * time.Millisecond}, "mid": {Latency: 100 * time.Millisecond}, "slow": {Latency: 600 * time.Millisecond}}, 0, "fast,mid,nomeasure,slow"},
		{"more spare first", []store.Node{withSpare(exit("a", "o1", 1, 5), mib, 10*mib), withSpare(exit("b", "o2", 2, 5), 8*mib, 10*mib)}, nil, 0, "b,a"},
		{"measured throughput caps spare", []store.Node{exit("a", "o1", 1, 5), exit("b", "o2", 2, 5)},
			map[string]Quality{"a": {ThroughputBps: mib / 2}, "b": {ThroughputBps: 8 * mib}}, 0, "b,a"},
		{"no spare ranks last whatever the price", []store.Node{withSpare(exit("a", "o1", 1, 1), 0, 10*mib), exit("b", "o2", 2, 1_000_000)}, nil, 0, "b,a"},
		{"least loaded first among equals", []store.Node{withSpare(exit("a-busy", "o1", 1, 5), 8*mib, 80*mib), withSpare(exit("b-idle", "o2", 2, 5), 8*mib, 10*mib)}, nil, 0, "b-idle,a-busy"},
		{"prices 1% apart are equals", []store.Node{withSpare(exit("a-cheap", "o1", 1, 1000), 10*mib, 20*mib), exit("b-dear", "o2", 2, 1010)}, nil, 0, "b-dear,a-cheap"},
		{"ties by node ID", []store.Node{exit("z", "o1", 1, 5), exit("y", "o2", 2, 5), exit("x", "o3", 3, 5)}, nil, 0, "x,y,z"},
		{"cheap and small without a rate", []store.Node{exit("small", "o1", 1, 1_000_000), withSpare(exit("big", "o2", 2, 1_500_000), 100*mib, 100*mib)}, nil, 0, "small,big"},
		{"the rate favours capacity", []store.Node{exit("small", "o1", 1, 1_000_000), withSpare(exit("big", "o2", 2, 1_500_000), 100*mib, 100*mib)}, nil, 50 * mib, "big,small"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSpec(1)
			s.rateBps = tt.rateBps
			if got := rankedIDs(rank(tt.nodes, tt.measured, s)); got != tt.want {
				t.Errorf("got ranking %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSpread(t *testing.T) {
	tests := []struct {
		name  string
		nodes []store.Node
		k     int
		want  string
	}{
		{"distinct operators and ASNs over the best node", []store.Node{exit("a", "o1", 1, 1), exit("b", "o2", 1, 2), exit("c", "o1", 2, 3)}, 2, "b,c"},
		{"one per operator before a second", []store.Node{exit("a1", "o1", 1, 1), exit("a2", "o1", 2, 2), exit("b", "o2", 3, 5)}, 2, "a1,b"},
		{"new ASN before a shared one", []store.Node{exit("a", "o1", 7, 1), exit("b", "o2", 7, 2), exit("c", "o3", 8, 9)}, 2, "a,c"},
		{"second round prefers a new ASN", []store.Node{exit("a1", "o1", 1, 1), exit("a2", "o1", 1, 2), exit("a3", "o1", 3, 3), exit("b1", "o2", 2, 4), exit("b2", "o2", 2, 5)}, 3, "a1,b1,a3"},
		{"second round by rank", []store.Node{exit("a1", "o1", 1, 1), exit("a2", "o1", 3, 2), exit("b1", "o2", 2, 3), exit("b2", "o2", 4, 4)}, 4, "a1,b1,a2,b2"},
		{"unknown ASN is one network", []store.Node{exit("a", "o1", 0, 1), exit("b", "o2", 0, 2), exit("c", "o3", 5, 9)}, 2, "a,c"},
		{"better operator keeps its best node", []store.Node{exit("a1", "o1", 1, 1), exit("a2", "o1", 2, 5), exit("b1", "o2", 1, 2), exit("b2", "o2", 3, 6)}, 2, "a1,b2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rankedIDs(spread(rank(tt.nodes, nil, testSpec(tt.k)), tt.k)); got != tt.want {
				t.Errorf("got exits %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSpreadShortSupply(t *testing.T) {
	tests := []struct {
		name  string
		nodes []store.Node
		k     int
		want  string
	}{
		{"no supply", nil, 3, ""},
		{"none asked", []store.Node{exit("a", "o1", 1, 1)}, 0, ""},
		{"fewer nodes than asked", []store.Node{exit("a", "o1", 1, 1), exit("b", "o2", 2, 2)}, 5, "a,b"},
		{"one operator spreads its ASNs", []store.Node{exit("a1", "o1", 1, 1), exit("a2", "o1", 1, 2), exit("a3", "o1", 2, 3)}, 2, "a1,a3"},
		{"fewer operators than exits", []store.Node{exit("a1", "o1", 1, 1), exit("a2", "o1", 2, 2), exit("b", "o2", 3, 3)}, 3, "a1,b,a2"},
		{"one ASN for all operators", []store.Node{exit("a", "o1", 1, 1), exit("b", "o2", 1, 2), exit("c", "o3", 1, 3)}, 2, "a,b"},
		{"ASNs short for distinct operators", []store.Node{exit("a", "o1", 1, 1), exit("b", "o2", 1, 2), exit("c", "o3", 2, 3)}, 3, "a,b,c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rankedIDs(spread(rank(tt.nodes, nil, testSpec(tt.k)), tt.k)); got != tt.want {
				t.Errorf("got exits %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAdmits(t *testing.T) {
	tests := []struct {
		name   string
		change func(*store.Node)
		spec   func(*matchSpec)
		want   bool
	}{
		{"online and matching", nil, nil, true},
		{"seen at the edge of the TTL", func(n *store.Node) { n.LastSeen = testNow.Add(-30 * time.Second) }, nil, true},
		{"offline past the TTL", func(n *store.Node) { n.LastSeen = testNow.Add(-31 * time.Second) }, nil, false},
		{"never seen", func(n *store.Node) { n.LastSeen = time.Time{} }, nil, false},
		{"same coverage", nil, func(s *matchSpec) {
			s.coverage = api.Coverage{Country: "DE", Subdivision: "DE-BE", City: "Berlin", ASN: 7, ConnectionType: api.ConnResidential}
		}, true},
		{"other country", nil, func(s *matchSpec) { s.coverage.Country = "FR" }, false},
		{"other subdivision", nil, func(s *matchSpec) { s.coverage.Subdivision = "DE-HH" }, false},
		{"other city", nil, func(s *matchSpec) { s.coverage.City = "Potsdam" }, false},
		{"other ASN", nil, func(s *matchSpec) { s.coverage.ASN = 8 }, false},
		{"other connection type", nil, func(s *matchSpec) { s.coverage.ConnectionType = "mobile" }, false},
		{"a protocol it lacks", nil, func(s *matchSpec) { s.protocols = append(s.protocols, "wireguard") }, false},
		{"QUIC without an address", func(n *store.Node) { n.QUICAddr = "" }, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, s := exit("a", "o1", 7, 5), testSpec(1)
			if tt.change != nil {
				tt.change(&n)
			}
			if tt.spec != nil {
				tt.spec(&s)
			}
			if got := s.admits(n); got != tt.want {
				t.Errorf("got admits %v, want %v", got, tt.want)
			}
		})
	}
}

func TestChooseLeavesOfflineOut(t *testing.T) {
	stale := exit("a-stale", "o1", 1, 1)
	stale.LastSeen = testNow.Add(-time.Hour)
	never := exit("b-never", "o2", 2, 1)
	never.LastSeen = time.Time{}
	nodes := []store.Node{stale, never, exit("c", "o3", 3, 4), exit("d", "o3", 4, 2), exit("e", "o4", 5, 3)}
	o := choose(nodes, nil, testSpec(5))
	if got, want := nodeIDs(o.exits), "d,e,c"; got != want {
		t.Errorf("got exits %q, want %q", got, want)
	}
	if o.available != 3 || o.operators != 2 || o.price != 4 {
		t.Errorf("got %d available of %d operators at %d, want 3 of 2 at 4", o.available, o.operators, o.price)
	}
	if nodes[0].ID != "a-stale" || len(nodes) != 5 {
		t.Errorf("choose changed its input: %q", nodeIDs(nodes))
	}
}

// TestMatchThroughStore runs match against a real SQLite store: the
// store's filter and the matcher's checks together.
func TestMatchThroughStore(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return testNow }
	st, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(t.TempDir(), "broker.db"), Now: now}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	b, err := New(Config{HeartbeatTTL: 30 * time.Second, Now: now}, st, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("new broker: %v", err)
	}
	for _, op := range []string{"o1", "o2", "o3"} {
		if err := st.CreateAccount(ctx, store.Account{ID: op, Kind: store.KindOperator, Name: op}); err != nil {
			t.Fatalf("create %s: %v", op, err)
		}
	}
	offline := exit("n0", "o3", 30, 1)
	offline.LastSeen = testNow.Add(-time.Minute)
	elsewhere := exit("n5", "o3", 31, 1)
	elsewhere.Region = store.Region{Country: "FR"}
	for _, n := range []store.Node{offline, exit("n1", "o1", 10, 3), exit("n2", "o1", 11, 2), exit("n3", "o2", 10, 5), exit("n4", "o2", 20, 4), elsewhere} {
		n.PublicKey = make([]byte, 32)
		if err := st.UpsertNode(ctx, n); err != nil {
			t.Fatalf("upsert %s: %v", n.ID, err)
		}
	}
	tests := []struct {
		name             string
		req              api.LeaseRequest
		want             string
		available, ops   int
		priceMicrosPerGB int64
	}{
		{"two exits in DE", api.LeaseRequest{Coverage: api.Coverage{Country: "DE"}, Protocols: []string{api.ProtocolQUIC}, Exits: 2}, "n2,n4", 4, 2, 4},
		{"four exits in DE", api.LeaseRequest{Coverage: api.Coverage{Country: "DE"}, Protocols: []string{api.ProtocolQUIC}, Exits: 4}, "n2,n4,n1,n3", 4, 2, 5},
		{"one ASN", api.LeaseRequest{Coverage: api.Coverage{ASN: 10}, Protocols: []string{api.ProtocolQUIC}, Exits: 2}, "n1,n3", 2, 2, 5},
		{"offline only", api.LeaseRequest{Coverage: api.Coverage{ASN: 30}, Protocols: []string{api.ProtocolQUIC}, Exits: 1}, "", 0, 0, 0},
		{"unserved protocol", api.LeaseRequest{Protocols: []string{"wireguard"}, Exits: 1}, "", 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := b.match(ctx, tt.req)
			if err != nil {
				t.Fatalf("match: %v", err)
			}
			if got := nodeIDs(o.exits); got != tt.want || o.available != tt.available || o.operators != tt.ops || o.price != tt.priceMicrosPerGB {
				t.Errorf("got %q, %d available of %d operators at %d; want %q, %d of %d at %d",
					got, o.available, o.operators, o.price, tt.want, tt.available, tt.ops, tt.priceMicrosPerGB)
			}
		})
	}
}

// market draws n exits of few distinct operators, ASNs, prices, spares
// and measurements, so that ties are common, with measurements for some.
func market(rng *rand.Rand, n, operators, asns int) ([]store.Node, map[string]Quality) {
	nodes := make([]store.Node, n)
	measured := make(map[string]Quality)
	for i := range nodes {
		id := fmt.Sprintf("n%05d", i)
		nd := exit(id, fmt.Sprintf("o%d", rng.IntN(operators)), rng.IntN(asns), int64(1+rng.IntN(3))*1_000_000)
		nodes[i] = withSpare(nd, int64(rng.IntN(4))*4*mib, 16*mib)
		if rng.IntN(2) == 0 {
			measured[id] = Quality{
				Attempts: 20, Successes: int64(15 + rng.IntN(6)),
				Latency: time.Duration(rng.IntN(3)) * 50 * time.Millisecond, ThroughputBps: int64(rng.IntN(3)) * 4 * mib,
			}
		}
	}
	return nodes, measured
}

func TestMatchDeterministicUnderShuffle(t *testing.T) {
	tests := []struct {
		name                  string
		n, operators, asns, k int
	}{
		{"many ties", 400, 30, 12, 16},
		{"few operators", 200, 3, 40, 8},
		{"one ASN", 150, 20, 1, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(tt.n)))
			nodes, measured := market(rng, tt.n, tt.operators, tt.asns)
			s := testSpec(tt.k)
			wantRank := rankedIDs(rank(slices.Clone(nodes), measured, s))
			wantExits := nodeIDs(choose(nodes, measured, s).exits)
			for i := range 200 {
				rng.Shuffle(len(nodes), func(a, b int) { nodes[a], nodes[b] = nodes[b], nodes[a] })
				if got := rankedIDs(rank(slices.Clone(nodes), measured, s)); got != wantRank {
					t.Fatalf("shuffle %d: got ranking %q, want %q", i, got, wantRank)
				}
				if got := nodeIDs(choose(nodes, measured, s).exits); got != wantExits {
					t.Fatalf("shuffle %d: got exits %q, want %q", i, got, wantExits)
				}
			}
		})
	}
}

// bestSpread returns the most distinct ASNs that any balanced choice of
// k of nodes covers, by trying every subset.
func bestSpread(nodes []store.Node, k int) (asns int) {
	for mask := 0; mask < 1<<len(nodes); mask++ {
		var set []store.Node
		for i := range nodes {
			if mask&(1<<i) != 0 {
				set = append(set, nodes[i])
			}
		}
		if _, a := distinct(set); len(set) == min(k, len(nodes)) && balanced(set, nodes) {
			asns = max(asns, a)
		}
	}
	return asns
}

// balanced reports whether no operator has two exits more than another
// operator in set, unless that other has no more nodes to give.
func balanced(set, nodes []store.Node) bool {
	got, supply := map[string]int{}, map[string]int{}
	for _, n := range set {
		got[n.OperatorID]++
	}
	for _, n := range nodes {
		supply[n.OperatorID]++
	}
	for _, c := range got {
		for p, s := range supply {
			if c > got[p]+1 && got[p] < s {
				return false
			}
		}
	}
	return true
}

func distinct(nodes []store.Node) (ops, asns int) {
	o, a := map[string]bool{}, map[int]bool{}
	for _, n := range nodes {
		o[n.OperatorID], a[n.ASN] = true, true
	}
	return len(o), len(a)
}

func TestSpreadBalancesOperatorsThenCoversASNs(t *testing.T) {
	tests := []struct {
		name                  string
		n, operators, asns, k int
	}{
		{"operators scarce", 10, 2, 6, 4},
		{"ASNs scarce", 10, 6, 2, 4},
		{"both scarce", 12, 3, 3, 5},
		{"plenty", 12, 8, 8, 3},
		{"ask for all", 8, 4, 3, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, uint64(tt.n*tt.k)))
			for round := range 100 {
				nodes, measured := market(rng, tt.n, tt.operators, tt.asns)
				got := choose(nodes, measured, testSpec(tt.k)).exits
				_, gotASNs := distinct(got)
				wantASNs := bestSpread(nodes, tt.k)
				if len(got) != min(tt.k, tt.n) || !balanced(got, nodes) || gotASNs != wantASNs {
					t.Fatalf("round %d: got %d exits (balanced %v) in %d ASNs, want %d balanced in %d",
						round, len(got), balanced(got, nodes), gotASNs, min(tt.k, tt.n), wantASNs)
				}
			}
		})
	}
}

func BenchmarkMatch10k(b *testing.B) {
	nodes, measured := market(rand.New(rand.NewPCG(1, 2)), 10_000, 800, 300)
	s := testSpec(16)
	for b.Loop() {
		if o := choose(nodes, measured, s); len(o.exits) != 16 {
			b.Fatalf("got %d exits, want 16", len(o.exits))
		}
	}
}

func TestCoveredBytes(t *testing.T) {
	tests := []struct {
		name        string
		hold, price int64
		want        int64
	}{
		{"whole gigabytes", 3_000_000, 1_000_000, 3_000_000_000},
		{"rounded down", 1, 3, 333_333_333},
		{"no hold", 0, 5, 0},
		{"no price", 5, 0, 0},
		{"saturates", math.MaxInt64, 1, math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := coveredBytes(tt.hold, tt.price); got != tt.want {
				t.Errorf("coveredBytes(%d, %d) = %d, want %d", tt.hold, tt.price, got, tt.want)
			}
		})
	}
}

func TestParseKey(t *testing.T) {
	key, id, _ := newAPIKey(store.ScopeOperator)
	tests := []struct {
		name      string
		key       string
		wantScope store.Scope
		wantID    string
		wantOK    bool
	}{
		{"issued", key, store.ScopeOperator, id, true},
		{"secret with underscores", "sl_buyer_k1_a_b_c", store.ScopeBuyer, "k1", true},
		{"wrong prefix", "pk_buyer_k1_secret", "", "", false},
		{"no secret", "sl_buyer_k1_", "", "", false},
		{"too few parts", "sl_buyer_k1", "", "", false},
		{"empty scope", "sl__k1_secret", "", "", false},
		{"control byte in id", "sl_buyer_k\x01_secret", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scope, id, ok := parseKey(tt.key)
			if scope != tt.wantScope || id != tt.wantID || ok != tt.wantOK {
				t.Errorf("got %q, %q, %v, want %q, %q, %v", scope, id, ok, tt.wantScope, tt.wantID, tt.wantOK)
			}
		})
	}
}
