package owner

import (
	"errors"
	"testing"
	"time"
)

// at is a time in a fixed zone with no DST: 2024-01-01 was a Monday.
func at(weekday time.Weekday, hh, mm int) time.Time {
	day := 1 + (int(weekday)+6)%7 // Monday the 1st, Sunday the 7th
	return time.Date(2024, 1, day, hh, mm, 0, 0, time.FixedZone("test", 3600))
}

func TestScheduleAllows(t *testing.T) {
	tests := []struct {
		name     string
		schedule string
		at       time.Time
		want     bool
	}{
		{"empty is always", "", at(time.Wednesday, 3, 0), true},
		{"always", "Always", at(time.Sunday, 23, 59), true},
		{"weekday inside", "weekdays 09:00-17:00, weekends all day", at(time.Tuesday, 9, 0), true},
		{"weekday end excluded", "weekdays 09:00-17:00, weekends all day", at(time.Tuesday, 17, 0), false},
		{"weekday before", "weekdays 09:00-17:00, weekends all day", at(time.Friday, 8, 59), false},
		{"weekend all day", "weekdays 09:00-17:00, weekends all day", at(time.Sunday, 3, 30), true},
		{"saturday all day", "weekdays 09:00-17:00; weekends all day", at(time.Saturday, 23, 59), true},
		{"overnight evening", "fri 22:00-06:00", at(time.Friday, 23, 0), true},
		{"overnight next morning", "fri 22:00-06:00", at(time.Saturday, 5, 59), true},
		{"overnight ends", "fri 22:00-06:00", at(time.Saturday, 6, 0), false},
		{"overnight not the day before", "fri 22:00-06:00", at(time.Friday, 5, 0), false},
		{"saturday night wraps to sunday", "sat 23:00-01:00", at(time.Sunday, 0, 30), true},
		{"day range", "mon-wed 10:00-11:00", at(time.Wednesday, 10, 30), true},
		{"day range excludes", "mon-wed 10:00-11:00", at(time.Thursday, 10, 30), false},
		{"wrapping day range", "fri-mon all day", at(time.Sunday, 12, 0), true},
		{"wrapping day range excludes", "fri-mon all day", at(time.Tuesday, 12, 0), false},
		{"full day names", "Monday 00:00-24:00", at(time.Monday, 23, 59), true},
		{"several spans", "daily 00:00-07:00 22:00-24:00", at(time.Thursday, 22, 0), true},
		{"between spans", "daily 00:00-07:00 22:00-24:00", at(time.Thursday, 12, 0), false},
		{"rules add up", "mon 10:00-11:00, mon 12:00-13:00", at(time.Monday, 12, 15), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSchedule(tt.schedule)
			if err != nil {
				t.Fatalf("ParseSchedule(%q): %v", tt.schedule, err)
			}
			if got := s.Allows(tt.at); got != tt.want {
				t.Errorf("Allows(%s): got %v, want %v", tt.at.Format("Mon 15:04"), got, tt.want)
			}
		})
	}
}

func TestParseScheduleErrors(t *testing.T) {
	tests := []struct {
		name     string
		schedule string
	}{
		{"days only", "weekdays"},
		{"times only", "09:00-17:00"},
		{"unknown day", "someday 09:00-10:00"},
		{"bad range end", "mon-xyz all day"},
		{"missing dash", "mon 0900"},
		{"hour 25", "mon 25:00-26:00"},
		{"minute 60", "mon 09:60-10:00"},
		{"24:00 start", "mon 24:00-01:00"},
		{"24:30 end", "mon 23:00-24:30"},
		{"empty span", "mon 10:00-10:00"},
		{"single digit hour", "mon 9:00-17:00"},
		{"all without day", "mon all"},
		{"all day with extra", "mon all day 10:00-11:00"},
		{"too long", "mon 10:00-11:00," + string(make([]byte, maxScheduleLen))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSchedule(tt.schedule)
			if !errors.Is(err, ErrSchedule) {
				t.Errorf("ParseSchedule(%q): got %v, want ErrSchedule", tt.schedule, err)
			}
		})
	}
}

func TestNextChange(t *testing.T) {
	tests := []struct {
		name     string
		schedule string
		from     time.Time
		want     time.Time
	}{
		{"end of working day", "weekdays 09:00-17:00", at(time.Monday, 12, 30), at(time.Monday, 17, 0)},
		{"friday evening to monday", "weekdays 09:00-17:00", at(time.Friday, 18, 0), at(time.Monday, 9, 0).AddDate(0, 0, 7)},
		{"always never changes", "", at(time.Monday, 12, 0), time.Time{}},
		{"every minute of the week", "daily all day", at(time.Monday, 12, 0), time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSchedule(tt.schedule)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.NextChange(tt.from); !got.Equal(tt.want) {
				t.Errorf("NextChange(%s): got %s, want %s", tt.from, got, tt.want)
			}
		})
	}
}
