package billing

import (
	"math"
	"math/big"
)

// bigMulDiv is the reference for mulDiv: floor(a*b/d) in arbitrary
// precision, saturated at math.MaxInt64.
func bigMulDiv(a, b, d int64) int64 {
	q := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	q.Quo(q, big.NewInt(d)) // operands are non-negative, so Quo floors
	if !q.IsInt64() {
		return math.MaxInt64
	}
	return q.Int64()
}

// wantCharge is Charge's specification written with math/big.
func wantCharge(bytes, price int64) int64 {
	if bytes <= 0 || price <= 0 {
		return 0
	}
	return bigMulDiv(bytes, price, BytesPerGB)
}

// wantFee is Fee's specification written with math/big.
func wantFee(charge, bps int64) int64 {
	if charge <= 0 {
		return 0
	}
	return bigMulDiv(charge, max(0, min(bps, MaxFeeBPS)), MaxFeeBPS)
}
