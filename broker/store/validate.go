package store

import "fmt"

// MaxFeeBPS is a broker fee of 100% of the charge.
const MaxFeeBPS = 10000

// Validate rejects a lease no engine should store, with an error wrapping
// ErrInvalid.
func (l Lease) Validate() error {
	switch {
	case l.BuyerID == "":
		return fmt.Errorf("empty buyer: %w", ErrInvalid)
	case l.HoldMicros <= 0 || l.HoldMicros > MaxAmountMicros:
		return fmt.Errorf("hold %d: %w", l.HoldMicros, ErrInvalid)
	case l.FeeBPS < 0 || l.FeeBPS > MaxFeeBPS:
		return fmt.Errorf("fee %d bps: %w", l.FeeBPS, ErrInvalid)
	case l.PriceMicrosPerGB < 0 || l.RateBps < 0 || l.MaxBytes < 0:
		return fmt.Errorf("negative price, rate or byte cap: %w", ErrInvalid)
	}
	return nil
}
