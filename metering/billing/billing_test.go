package billing

import (
	"math"
	"testing"
)

const maxI = math.MaxInt64

func TestCharge(t *testing.T) {
	tests := []struct {
		name         string
		bytes, price int64
		want         int64
	}{
		{"one GB at one unit", BytesPerGB, MicrosPerUnit, MicrosPerUnit},
		{"half GB", BytesPerGB / 2, 3_000_000, 1_500_000},
		{"rounds down", 999_999_999, 1, 0},
		{"exactly one micro", BytesPerGB, 1, 1},
		{"just under two micros", 2*BytesPerGB - 1, 1, 1},
		{"small transfer", 1500, 2_500_000, 3},
		{"zero bytes", 0, 1_000_000, 0},
		{"negative bytes", -BytesPerGB, 1_000_000, 0},
		{"zero price", BytesPerGB, 0, 0},
		{"negative price", BytesPerGB, -5, 0},
		{"min int bytes", math.MinInt64, maxI, 0},
		{"max bytes at one micro", maxI, 1, maxI / BytesPerGB},
		{"max price one byte", 1, maxI, maxI / BytesPerGB},
		{"product overflows 64 bits", 1 << 40, 1 << 40, (1 << 80) / BytesPerGB},
		{"just fits", maxI, BytesPerGB, maxI},
		{"saturates", maxI, BytesPerGB + 1, maxI},
		{"saturates at max", maxI, maxI, maxI},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Charge(tt.bytes, tt.price); got != tt.want {
				t.Fatalf("Charge(%d, %d) = %d, want %d", tt.bytes, tt.price, got, tt.want)
			}
			if got, want := Charge(tt.bytes, tt.price), wantCharge(tt.bytes, tt.price); got != want {
				t.Fatalf("Charge(%d, %d) = %d, big reference %d", tt.bytes, tt.price, got, want)
			}
		})
	}
}

func TestFeeAndSplit(t *testing.T) {
	tests := []struct {
		name        string
		charge, bps int64
		wantFee     int64
	}{
		{"ten percent", 1_000_000, 1000, 100_000},
		{"rounds down", 9, 1000, 0},
		{"one bps of 10000", 10_000, 1, 1},
		{"zero bps", 1_000_000, 0, 0},
		{"negative bps clamps to 0", 1_000_000, -50, 0},
		{"full fee", 123_457, MaxFeeBPS, 123_457},
		{"bps over max clamps", 123_457, 50_000, 123_457},
		{"max bps value", 777, maxI, 777},
		{"zero charge", 0, 1500, 0},
		{"negative charge", -1000, 1500, 0},
		{"min charge", math.MinInt64, 1500, 0},
		{"max charge", maxI, 2500, maxI / 4},
		{"max charge full", maxI, MaxFeeBPS, maxI},
		{"max charge odd bps", maxI, 1234, wantFee(maxI, 1234)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Fee(tt.charge, tt.bps); got != tt.wantFee {
				t.Fatalf("Fee(%d, %d) = %d, want %d", tt.charge, tt.bps, got, tt.wantFee)
			}
			if got, want := Fee(tt.charge, tt.bps), wantFee(tt.charge, tt.bps); got != want {
				t.Fatalf("Fee(%d, %d) = %d, big reference %d", tt.charge, tt.bps, got, want)
			}
			seller, fee := Split(tt.charge, tt.bps)
			if seller+fee != tt.charge || fee != tt.wantFee {
				t.Fatalf("Split(%d, %d) = %d, %d, want sum %d and fee %d", tt.charge, tt.bps, seller, fee, tt.charge, tt.wantFee)
			}
		})
	}
}

func TestHoldFor(t *testing.T) {
	tests := []struct {
		name         string
		maxBytes     int64
		price        int64
		exitSplits   []int64 // how the bytes are spread over exits
		wantHoldSize int64
	}{
		{"one exit", 5 * BytesPerGB, 2_000_000, []int64{5 * BytesPerGB}, 10_000_000},
		{"uneven exits", 3*BytesPerGB + 7, 333_333, []int64{BytesPerGB + 3, BytesPerGB + 3, BytesPerGB + 1}, 999_999},
		{"many small exits", 999, BytesPerGB + 1, []int64{333, 333, 333}, 999},
		{"nothing", 0, 2_000_000, []int64{0}, 0},
		{"huge", maxI, maxI, []int64{maxI / 2, maxI / 2}, maxI},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hold := HoldFor(tt.maxBytes, tt.price)
			if hold != tt.wantHoldSize {
				t.Fatalf("HoldFor(%d, %d) = %d, want %d", tt.maxBytes, tt.price, hold, tt.wantHoldSize)
			}
			var charged int64
			for _, b := range tt.exitSplits {
				charged = addSat(charged, Charge(b, tt.price))
			}
			if charged > hold {
				t.Fatalf("exits charged %d in total, more than hold %d", charged, hold)
			}
		})
	}
}

// TestChargeMonotonic walks byte counts around rounding boundaries and
// checks the charge never falls as bytes grow.
func TestChargeMonotonic(t *testing.T) {
	prices := []int64{1, 7, 999_999, MicrosPerUnit, 3 * BytesPerGB, maxI}
	for _, price := range prices {
		prev := int64(0)
		for _, b := range []int64{0, 1, 142_857, BytesPerGB - 1, BytesPerGB, BytesPerGB + 1, 1 << 40, maxI - 1, maxI} {
			got := Charge(b, price)
			if got < prev {
				t.Fatalf("Charge(%d, %d) = %d, want at least %d", b, price, got, prev)
			}
			prev = got
		}
	}
}
