package sqlite

import (
	"math"
	"math/big"
	"testing"
)

func TestScaleFee(t *testing.T) {
	tests := []struct {
		name        string
		amount, bps int64
	}{
		{"zero amount", 0, 1000},
		{"zero rate", 12345, 0},
		{"floors", 4007, 333},
		{"whole charge", 999, 10000},
		{"largest amount", math.MaxInt64, 10000},
		{"largest amount odd rate", math.MaxInt64, 9999},
		{"rate above 100% is clamped", 1000, 20000},
		{"negative rate is clamped", 1000, -5},
		{"negative amount", -1000, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bps := min(max(tt.bps, 0), 10000)
			want := new(big.Int).Mul(big.NewInt(max(tt.amount, 0)), big.NewInt(bps))
			want.Quo(want, big.NewInt(10000))
			if got := scaleFee(tt.amount, tt.bps); got != want.Int64() {
				t.Errorf("scaleFee(%d, %d): got %d, want %d", tt.amount, tt.bps, got, want.Int64())
			}
		})
	}
}
