package billing

import (
	"github.com/sparelink/sparelink/metering/meter"
)

// Amounts are the cumulative money figures of one (lease, node) pair.
// ChargeMicros == SellerMicros + FeeMicros.
type Amounts struct {
	ChargeMicros int64 // debited from the buyer
	SellerMicros int64 // credited to the seller
	FeeMicros    int64 // credited to the broker
}

// Cumulative returns the amounts for a pair's cumulative billable totals:
// the charge of Up+Down bytes (saturating) at microsPerGB, split by
// feeBPS. Each figure only grows as the totals grow, so the difference
// from the amounts of any earlier receipt of the pair is never negative.
func Cumulative(billable meter.Totals, microsPerGB, feeBPS int64) Amounts {
	bytes := addSat(max(billable.Up, 0), max(billable.Down, 0))
	charge := Charge(bytes, microsPerGB)
	seller, fee := Split(charge, feeBPS)
	return Amounts{ChargeMicros: charge, SellerMicros: seller, FeeMicros: fee}
}

// Since returns what settling a after prev adds: the difference of each
// figure, or zero amounts when a is not ahead of prev (a replayed or older
// receipt).
func (a Amounts) Since(prev Amounts) Amounts {
	if a.ChargeMicros <= prev.ChargeMicros {
		return Amounts{}
	}
	return Amounts{
		ChargeMicros: a.ChargeMicros - prev.ChargeMicros,
		SellerMicros: a.SellerMicros - prev.SellerMicros,
		FeeMicros:    a.FeeMicros - prev.FeeMicros,
	}
}
