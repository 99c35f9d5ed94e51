package billing

import (
	"testing"
)

// FuzzCharge checks, for arbitrary counts, prices and fees, that Charge
// matches the math/big reference and never falls as bytes grow, and that
// Split always sums to the charge with a fee between 0 and the charge.
func FuzzCharge(f *testing.F) {
	f.Add(int64(1_500_000_000), int64(1), int64(2_000_000), int64(1500))
	f.Add(int64(maxI), int64(0), int64(maxI), int64(maxI))
	f.Fuzz(func(t *testing.T, a, delta, price, bps int64) {
		b := a
		if delta > 0 {
			b = addSat(max(a, 0), delta)
		}
		ca, cb := Charge(a, price), Charge(b, price)
		if want := wantCharge(a, price); ca != want {
			t.Fatalf("Charge(%d, %d) = %d, want %d", a, price, ca, want)
		}
		if a <= b && ca > cb {
			t.Fatalf("Charge(%d, %d) = %d > Charge(%d, %d) = %d", a, price, ca, b, price, cb)
		}
		for _, charge := range []int64{ca, cb, a} {
			seller, fee := Split(charge, bps)
			if seller+fee != charge {
				t.Fatalf("Split(%d, %d) = %d + %d, want sum %d", charge, bps, seller, fee, charge)
			}
			if fee < 0 || (charge > 0 && fee > charge) || fee != wantFee(charge, bps) {
				t.Fatalf("Split(%d, %d) fee = %d, want %d", charge, bps, fee, wantFee(charge, bps))
			}
		}
	})
}
