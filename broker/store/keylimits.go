package store

import (
	"errors"
	"fmt"
)

// ErrKeyLimit means a lease or an extension would take the API key that
// buys it past its spend or byte limit.
var ErrKeyLimit = errors.New("the API key's spend or byte limit would be exceeded")

// KeyUseQuery sums what the leases bought with one key (its ID the
// query's only argument) have committed: money held by those that may
// still carry traffic, or charged by those that ended, and every byte
// they were bought for. Both engines run it, with their placeholder,
// inside the transaction that adds more.
const KeyUseQuery = `SELECT COALESCE(SUM(CASE WHEN status IN ('active', 'exhausted') THEN hold_micros ELSE charged_micros END), 0),
	COALESCE(SUM(max_bytes), 0) FROM leases WHERE key_id = `

// CheckKeyLimits refuses adding addMicros and addBytes to what a key has
// committed when that passes one of its limits (zero limits are none).
func CheckKeyLimits(k APIKey, usedMicros, usedBytes, addMicros, addBytes int64) error {
	switch {
	case k.SpendLimitMicros > 0 && usedMicros+addMicros > k.SpendLimitMicros:
		return fmt.Errorf("key %s: %d of %d micros committed, %d more asked: %w",
			k.ID, usedMicros, k.SpendLimitMicros, addMicros, ErrKeyLimit)
	case k.ByteLimit > 0 && usedBytes+addBytes > k.ByteLimit:
		return fmt.Errorf("key %s: %d of %d bytes bought, %d more asked: %w",
			k.ID, usedBytes, k.ByteLimit, addBytes, ErrKeyLimit)
	}
	return nil
}
