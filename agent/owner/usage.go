package owner

import "time"

// LineBytes is what relayed payload costs the owner's line: every byte a
// buyer sends or receives comes in once and goes out once.
func LineBytes(payload int64) int64 { return 2 * payload }

// Period returns the quota period holding t: from midnight of the reset
// day (1-28) in t's location, in t's month or the one before, to the same
// day of the following month.
func Period(t time.Time, resetDay int) (start, end time.Time) {
	resetDay = min(max(resetDay, 1), 28)
	y, m, d := t.Date()
	if d < resetDay {
		m--
	}
	start = time.Date(y, m, resetDay, 0, 0, 0, 0, t.Location())
	return start, start.AddDate(0, 1, 0)
}

// Usage is the relay's line traffic in one quota period.
type Usage struct {
	PeriodStart time.Time `json:"period_start"`
	PeriodEnd   time.Time `json:"period_end"`
	Bytes       int64     `json:"bytes"`
}

// Roll returns u for the period holding now. Once u's period has ended a
// new one starts from zero. When the reset day changed mid-period the
// count carries over into the new bounds: counting a few days twice stops
// sharing early, which is the safe side of an owner's quota.
func (u Usage) Roll(now time.Time, resetDay int) Usage {
	start, end := Period(now, resetDay)
	if u.PeriodEnd.IsZero() || !now.Before(u.PeriodEnd) {
		return Usage{PeriodStart: start, PeriodEnd: end}
	}
	if now.Before(u.PeriodStart) {
		// The clock is behind, as on a router before NTP: keep counting
		// into the stored period rather than lose it.
		return u
	}
	if !start.Equal(u.PeriodStart) {
		u.PeriodStart, u.PeriodEnd = start, end
	}
	return u
}

// Add counts line bytes, never letting the count wrap.
func (u Usage) Add(bytes int64) Usage {
	const ceiling = 2 * MaxQuotaBytes
	if bytes > 0 {
		u.Bytes += min(bytes, ceiling-min(u.Bytes, ceiling))
	}
	return u
}
