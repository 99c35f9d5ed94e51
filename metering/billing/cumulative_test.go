package billing

import (
	"testing"

	"github.com/sparelink/sparelink/metering/meter"
)

func TestCumulative(t *testing.T) {
	tests := []struct {
		name       string
		totals     meter.Totals
		price, bps int64
		want       Amounts
	}{
		{"one GB", meter.Totals{Up: 200_000_000, Down: 800_000_000}, 2_000_000, 1500, Amounts{ChargeMicros: 2_000_000, SellerMicros: 1_700_000, FeeMicros: 300_000}},
		{"nothing", meter.Totals{}, 2_000_000, 1500, Amounts{}},
		{"sum saturates", meter.Totals{Up: maxI, Down: maxI}, BytesPerGB, 0, Amounts{ChargeMicros: maxI, SellerMicros: maxI}},
		{"negative ignored", meter.Totals{Up: -5, Down: BytesPerGB}, 10, 5000, Amounts{ChargeMicros: 10, SellerMicros: 5, FeeMicros: 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Cumulative(tt.totals, tt.price, tt.bps); got != tt.want {
				t.Fatalf("Cumulative(%+v) = %+v, want %+v", tt.totals, got, tt.want)
			}
		})
	}
}

// TestSettleIncrementally replays a stream of cumulative receipts, with
// duplicates and stale ones, and checks that the sum of the applied
// differences equals the amounts of the final totals computed at once, and
// is never below the sum of per-receipt charges (which is what charging each
// increment separately would give, losing a fraction each time).
func TestSettleIncrementally(t *testing.T) {
	const price, bps = 1_234_567, 1750
	steps := []int64{1, 999, 810_000, 810_000, 5_000_001, 810_000, 1_000_000_007, 1_000_000_007, 12_345_678_901}
	var settled, applied Amounts
	var naive, lastBytes int64
	for i, cum := range steps {
		next := Cumulative(meter.Totals{Down: cum}, price, bps)
		d := next.Since(settled)
		if d.ChargeMicros < 0 || d.FeeMicros < 0 || d.SellerMicros < 0 {
			t.Fatalf("step %d: negative difference %+v", i, d)
		}
		if d.ChargeMicros > 0 {
			settled = next
			naive += Charge(cum-lastBytes, price)
			lastBytes = cum
		}
		applied.ChargeMicros += d.ChargeMicros
		applied.SellerMicros += d.SellerMicros
		applied.FeeMicros += d.FeeMicros
	}
	final := Cumulative(meter.Totals{Down: steps[len(steps)-1]}, price, bps)
	if applied != final {
		t.Fatalf("applied %+v in steps, want %+v", applied, final)
	}
	if applied.ChargeMicros < naive {
		t.Fatalf("cumulative charge %d below per-increment charge %d", applied.ChargeMicros, naive)
	}
}

func TestSinceReplay(t *testing.T) {
	a := Cumulative(meter.Totals{Up: 3 * BytesPerGB}, 1_000_000, 1000)
	older := Cumulative(meter.Totals{Up: BytesPerGB}, 1_000_000, 1000)
	tests := []struct {
		name    string
		a, prev Amounts
		want    Amounts
	}{
		{"replay", a, a, Amounts{}},
		{"older", older, a, Amounts{}},
		{"newer", a, older, Amounts{ChargeMicros: 2_000_000, SellerMicros: 1_800_000, FeeMicros: 200_000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.Since(tt.prev); got != tt.want {
				t.Fatalf("Since() = %+v, want %+v", got, tt.want)
			}
		})
	}
}
