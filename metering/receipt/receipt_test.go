package receipt

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(r *Receipt)
		ok     bool
	}{
		{"valid", func(r *Receipt) {}, true},
		{"max id length", func(r *Receipt) { r.LeaseID = strings.Repeat("a", MaxIDLen) }, true},
		{"zero counts", func(r *Receipt) { r.Up, r.Down = 0, 0 }, true},
		{"max counts", func(r *Receipt) { r.Up, r.Down = math.MaxInt64, math.MaxInt64 }, true},
		{"max seq", func(r *Receipt) { r.Seq = math.MaxUint64 }, true},
		{"earliest time", func(r *Receipt) { r.Time = time.Unix(0, math.MinInt64) }, true},
		{"latest time", func(r *Receipt) { r.Time = time.Unix(0, math.MaxInt64) }, true},
		{"empty lease", func(r *Receipt) { r.LeaseID = "" }, false},
		{"empty node", func(r *Receipt) { r.NodeID = "" }, false},
		{"long lease", func(r *Receipt) { r.LeaseID = strings.Repeat("a", MaxIDLen+1) }, false},
		{"long node", func(r *Receipt) { r.NodeID = strings.Repeat("n", 1000) }, false},
		{"space in id", func(r *Receipt) { r.LeaseID = "ls 1" }, false},
		{"nul in id", func(r *Receipt) { r.NodeID = "nd\x00" }, false},
		{"del in id", func(r *Receipt) { r.NodeID = "nd\x7f" }, false},
		{"newline in id", func(r *Receipt) { r.LeaseID = "ls\n" }, false},
		{"non-ascii id", func(r *Receipt) { r.LeaseID = "lé" }, false},
		{"zero seq", func(r *Receipt) { r.Seq = 0 }, false},
		{"negative up", func(r *Receipt) { r.Up = -1 }, false},
		{"negative down", func(r *Receipt) { r.Down = math.MinInt64 }, false},
		{"zero time", func(r *Receipt) { r.Time = time.Time{} }, false},
		{"time too late", func(r *Receipt) { r.Time = time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sample()
			tt.mutate(r)
			err := r.Validate()
			if tt.ok && err != nil {
				t.Fatalf("Validate() = %v, want nil", err)
			}
			if !tt.ok && !errors.Is(err, ErrMalformed) {
				t.Fatalf("Validate() = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestTotals(t *testing.T) {
	r := sample()
	got := r.Totals()
	if got.Up != r.Up || got.Down != r.Down {
		t.Fatalf("Totals() = %+v, want up %d down %d", got, r.Up, r.Down)
	}
}
