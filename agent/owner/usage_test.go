package owner

import (
	"testing"
	"time"
)

func TestPeriod(t *testing.T) {
	zone := time.FixedZone("test", -5*3600)
	day := func(y int, m time.Month, d, hh int) time.Time { return time.Date(y, m, d, hh, 0, 0, 0, zone) }
	tests := []struct {
		name       string
		t          time.Time
		resetDay   int
		start, end time.Time
	}{
		{"first of the month", day(2024, 3, 15, 12), 1, day(2024, 3, 1, 0), day(2024, 4, 1, 0)},
		{"zero day means the first", day(2024, 3, 15, 12), 0, day(2024, 3, 1, 0), day(2024, 4, 1, 0)},
		{"after the reset day", day(2024, 3, 20, 12), 15, day(2024, 3, 15, 0), day(2024, 4, 15, 0)},
		{"before the reset day", day(2024, 3, 10, 12), 15, day(2024, 2, 15, 0), day(2024, 3, 15, 0)},
		{"on the reset day at midnight", day(2024, 3, 15, 0), 15, day(2024, 3, 15, 0), day(2024, 4, 15, 0)},
		{"january before reset", day(2024, 1, 3, 0), 28, day(2023, 12, 28, 0), day(2024, 1, 28, 0)},
		{"day above 28 is clamped", day(2024, 2, 29, 6), 31, day(2024, 2, 28, 0), day(2024, 3, 28, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, end := Period(tt.t, tt.resetDay)
			if !start.Equal(tt.start) || !end.Equal(tt.end) {
				t.Errorf("Period(%s, %d): got %s to %s, want %s to %s", tt.t, tt.resetDay, start, end, tt.start, tt.end)
			}
		})
	}
}

func TestUsageRoll(t *testing.T) {
	mar := func(d int) time.Time { return time.Date(2024, 3, d, 12, 0, 0, 0, time.UTC) }
	inMarch := Usage{PeriodStart: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), PeriodEnd: time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC), Bytes: 700}
	tests := []struct {
		name      string
		u         Usage
		now       time.Time
		resetDay  int
		wantBytes int64
		wantStart time.Time
	}{
		{"first use starts a period", Usage{}, mar(10), 1, 0, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"same period keeps the count", inMarch, mar(31), 1, 700, inMarch.PeriodStart},
		{"next period starts from zero", inMarch, time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC), 1, 0, time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)},
		{"new reset day carries the count", inMarch, mar(20), 15, 700, time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)},
		{"clock behind keeps the period", inMarch, time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), 1, 700, inMarch.PeriodStart},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.u.Roll(tt.now, tt.resetDay)
			if got.Bytes != tt.wantBytes || !got.PeriodStart.Equal(tt.wantStart) {
				t.Errorf("Roll: got %d bytes from %s, want %d from %s", got.Bytes, got.PeriodStart, tt.wantBytes, tt.wantStart)
			}
			if !got.PeriodEnd.After(tt.now) {
				t.Errorf("Roll: period ends %s, want after %s", got.PeriodEnd, tt.now)
			}
		})
	}
}

func TestUsageAdd(t *testing.T) {
	tests := []struct {
		name       string
		start, add int64
		want       int64
	}{
		{"adds", 10, 5, 15},
		{"ignores negative", 10, -5, 10},
		{"saturates", 2*MaxQuotaBytes - 1, 1 << 62, 2 * MaxQuotaBytes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Usage{Bytes: tt.start}).Add(tt.add).Bytes; got != tt.want {
				t.Errorf("Add(%d) to %d: got %d, want %d", tt.add, tt.start, got, tt.want)
			}
		})
	}
	if got := LineBytes(1000); got != 2000 {
		t.Errorf("LineBytes(1000): got %d, want 2000", got)
	}
}
