package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/internal/testenv"
)

// TestBrokerRun measures two small markets on both stores and checks
// every row: its name, unit, a positive value, and for PostgreSQL the
// SQLite baseline and a positive ratio.
func TestBrokerRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cfg := BrokerConfig{Nodes: []int{1000, 200}, Duration: 200 * time.Millisecond, Workers: 2, Quotes: 20}
	results, err := BrokerRun(ctx, cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("BrokerRun: %v", err)
	}
	stores := []string{"sqlite", "postgres"}
	if !slices.ContainsFunc(results, func(r Result) bool { return r.Baseline != "" }) {
		if testenv.InCI() {
			t.Fatalf("got no PostgreSQL rows; CI must install PostgreSQL")
		}
		t.Logf("PostgreSQL rows NOT TESTED: its server binaries are not installed")
		stores = stores[:1]
	}
	units := map[string]string{"lease_create": "leases/s", "heartbeat": "heartbeats/s", "quote_p50": "ms", "quote_p99": "ms"}
	var want []Result
	for _, n := range []string{"200", "1k"} {
		for _, m := range metrics {
			for _, st := range stores {
				r := Result{Name: fmt.Sprintf("broker_%s_%s_%s", m, st, n), Unit: units[m]}
				if st == "postgres" {
					r.Baseline = fmt.Sprintf("broker_%s_sqlite_%s", m, n)
				}
				want = append(want, r)
			}
		}
	}
	if len(results) != len(want) {
		t.Fatalf("got %d results, want %d: %+v", len(results), len(want), results)
	}
	for i, w := range want {
		r := results[i]
		if r.Name != w.Name || r.Unit != w.Unit || r.Baseline != w.Baseline {
			t.Errorf("result %d: got %s in %s against %q, want %s in %s against %q", i, r.Name, r.Unit, r.Baseline, w.Name, w.Unit, w.Baseline)
		}
		if r.Value <= 0 || (w.Baseline != "" && r.Ratio <= 0) {
			t.Errorf("%s: got value %v ratio %v, want positive ones", r.Name, r.Value, r.Ratio)
		}
	}
}

func TestParseNodeCounts(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []int
		wantErr bool
	}{
		{"default", "10000,100000", []int{10000, 100000}, false},
		{"spaces", " 500 , 20", []int{500, 20}, false},
		{"empty means none", "", nil, false},
		{"blank means none", "  ", nil, false},
		{"zero", "0", nil, true},
		{"negative", "10,-5", nil, true},
		{"not a number", "10k", nil, true},
		{"empty field", "10,,20", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseNodeCounts(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrBadNodes) {
					t.Errorf("ParseNodeCounts(%q): got %v, %v; want ErrBadNodes", tt.in, got, err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("ParseNodeCounts(%q): got %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestNodesLabel(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{{10_000, "10k"}, {100_000, "100k"}, {1500, "1500"}, {200, "200"}, {1000, "1k"}}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := nodesLabel(tt.n); got != tt.want {
				t.Errorf("nodesLabel(%d): got %q, want %q", tt.n, got, tt.want)
			}
		})
	}
}

func TestBrokerRunRefusesEmptyMarket(t *testing.T) {
	_, err := BrokerRun(context.Background(), BrokerConfig{Nodes: []int{0, 10}}, zaptest.NewLogger(t))
	if !errors.Is(err, ErrBadNodes) {
		t.Errorf("BrokerRun with 0 nodes: got %v, want ErrBadNodes", err)
	}
}
