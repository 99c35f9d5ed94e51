package receipt

import (
	"errors"
	"math"
	"testing"
)

func TestCheckNext(t *testing.T) {
	tests := []struct {
		name    string
		prev    func(r *Receipt) *Receipt
		next    func(r *Receipt)
		wantErr error
	}{
		{"first receipt", func(*Receipt) *Receipt { return nil }, func(r *Receipt) {}, nil},
		{"first receipt malformed", func(*Receipt) *Receipt { return nil }, func(r *Receipt) { r.Seq = 0 }, ErrMalformed},
		{"next seq more bytes", keep, func(r *Receipt) { r.Seq++; r.Up += 10; r.Down += 20 }, nil},
		{"gap in seq", keep, func(r *Receipt) { r.Seq += 1000 }, nil},
		{"same totals", keep, func(r *Receipt) { r.Seq++ }, nil},
		{"up to max", keep, func(r *Receipt) { r.Seq = math.MaxUint64; r.Up = math.MaxInt64 }, nil},
		{"duplicate", keep, func(r *Receipt) {}, ErrReplay},
		{"older seq", keep, func(r *Receipt) { r.Seq--; r.Up += 100 }, ErrReplay},
		{"seq wrapped to 1", keep, func(r *Receipt) { r.Seq = 1 }, ErrReplay},
		{"up went back", keep, func(r *Receipt) { r.Seq++; r.Up-- }, ErrNotMonotonic},
		{"down went back", keep, func(r *Receipt) { r.Seq++; r.Up += 5; r.Down = 0 }, ErrNotMonotonic},
		{"other lease", keep, func(r *Receipt) { r.Seq++; r.LeaseID = "ls_other" }, ErrMismatch},
		{"other node", keep, func(r *Receipt) { r.Seq++; r.NodeID = "nd_other" }, ErrMismatch},
		{"next malformed", keep, func(r *Receipt) { r.Seq++; r.Down = -1 }, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prev := tt.prev(sample())
			next := sample()
			tt.next(next)
			err := CheckNext(prev, next)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("CheckNext() = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func keep(r *Receipt) *Receipt { return r }

func TestCheckNextNil(t *testing.T) {
	if err := CheckNext(sample(), nil); !errors.Is(err, ErrMalformed) {
		t.Fatalf("CheckNext(prev, nil) = %v, want ErrMalformed", err)
	}
}
