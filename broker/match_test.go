package broker

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/sparelink/sparelink/broker/store"
)

// nodes builds candidates from "id/operator/asn/spare" specs.
func nodes(t *testing.T, specs ...string) []store.Node {
	t.Helper()
	var out []store.Node
	for _, s := range specs {
		var n store.Node
		f := strings.Split(s, "/")
		if len(f) != 4 {
			t.Fatalf("bad spec %q", s)
		}
		n.ID, n.OperatorID = f[0], f[1]
		n.ASN = atoi(t, f[2])
		n.SpareBps = int64(atoi(t, f[3]))
		out = append(out, n)
	}
	return out
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("bad number %q", s)
	}
	return n
}

func ids(ns []store.Node) string {
	var out []string
	for _, n := range ns {
		out = append(out, n.ID)
	}
	return strings.Join(out, ",")
}

func TestPick(t *testing.T) {
	tests := []struct {
		name  string
		cands []string
		n     int
		want  string
	}{
		{"empty", nil, 3, ""},
		{"fewer than asked", []string{"a/op1/1/5"}, 3, "a"},
		{"most spare first", []string{"a/op1/1/5", "b/op2/2/9", "c/op3/3/7"}, 2, "b,c"},
		{"one per operator before a second", []string{"a1/op1/1/90", "a2/op1/1/80", "b/op2/2/10"}, 2, "a1,b"},
		{"second round by spare", []string{"a1/op1/1/90", "a2/op1/1/80", "b1/op2/2/10", "b2/op2/2/5"}, 4, "a1,b1,a2,b2"},
		{"new ASN before a seen one", []string{"a/op1/7/90", "b/op2/7/80", "c/op3/8/10"}, 2, "a,c"},
		{"ties by ID", []string{"z/op1/1/5", "y/op2/2/5", "x/op3/3/5"}, 3, "x,y,z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids(pick(nodes(t, tt.cands...), tt.n)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
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
