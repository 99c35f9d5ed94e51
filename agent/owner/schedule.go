package owner

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// A schedule says when, in the machine's local time, the agent may share:
//
//	weekdays 09:00-17:00, weekends all day
//	mon-thu 18:00-23:30; fri 18:00-02:00
//	daily 00:00-07:00 22:00-24:00
//
// It is a list of rules separated by commas or semicolons. A rule is a
// set of days followed by "all day" or by one or more spans HH:MM-HH:MM.
// Days are "daily", "weekdays" (Monday to Friday), "weekends", a day
// ("mon" or "monday") or a range of days ("fri-mon" wraps over Sunday).
// A span includes its start minute and excludes its end, which may be
// 24:00; a span that ends before it starts runs past midnight into the
// next day. Rules add up. An empty schedule, or "always", allows all
// times. Case does not matter.

const (
	minutesPerDay  = 24 * 60
	minutesPerWeek = 7 * minutesPerDay
	// maxScheduleLen bounds the text, which may come from the network.
	maxScheduleLen = 1024
)

// ErrSchedule is wrapped by every schedule syntax error.
var ErrSchedule = errors.New("bad schedule")

// Schedule is a parsed schedule: one bit per minute of the week, from
// Sunday 00:00.
type Schedule struct {
	always bool
	bits   [(minutesPerWeek + 63) / 64]uint64
}

var dayNames = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// ParseSchedule parses the schedule syntax described above.
func ParseSchedule(text string) (*Schedule, error) {
	if len(text) > maxScheduleLen {
		return nil, fmt.Errorf("%w: longer than %d characters", ErrSchedule, maxScheduleLen)
	}
	text = strings.ToLower(strings.TrimSpace(text))
	s := new(Schedule)
	if text == "" || text == "always" {
		s.always = true
		return s, nil
	}
	for rule := range strings.FieldsFuncSeq(text, func(r rune) bool { return r == ',' || r == ';' }) {
		if err := s.addRule(strings.Fields(rule)); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Schedule) addRule(words []string) error {
	if len(words) < 2 {
		return fmt.Errorf("%w: rule %q needs days and times, as in \"weekdays 09:00-17:00\"", ErrSchedule, strings.Join(words, " "))
	}
	days, err := parseDays(words[0])
	if err != nil {
		return err
	}
	if len(words) == 3 && words[1] == "all" && words[2] == "day" {
		for _, d := range days {
			s.set(d*minutesPerDay, (d+1)*minutesPerDay)
		}
		return nil
	}
	for _, w := range words[1:] {
		from, to, err := parseSpan(w)
		if err != nil {
			return err
		}
		if to <= from {
			to += minutesPerDay
		}
		for _, d := range days {
			s.set(d*minutesPerDay+from, d*minutesPerDay+to)
		}
	}
	return nil
}

// set allows minutes [from, to) of the week, wrapping past Saturday.
func (s *Schedule) set(from, to int) {
	for m := from; m < to; m++ {
		i := m % minutesPerWeek
		s.bits[i/64] |= 1 << (i % 64)
	}
}

// parseDays returns the days (0 is Sunday) a day word names.
func parseDays(w string) ([]int, error) {
	switch w {
	case "daily":
		return []int{0, 1, 2, 3, 4, 5, 6}, nil
	case "weekdays":
		return []int{1, 2, 3, 4, 5}, nil
	case "weekends":
		return []int{6, 0}, nil
	}
	first, last, isRange := strings.Cut(w, "-")
	a, err := parseDay(first)
	if err != nil {
		return nil, err
	}
	if !isRange {
		return []int{a}, nil
	}
	b, err := parseDay(last)
	if err != nil {
		return nil, err
	}
	days := []int{a}
	for d := a; d != b; {
		d = (d + 1) % 7
		days = append(days, d)
	}
	return days, nil
}

func parseDay(w string) (int, error) {
	for i, name := range dayNames {
		if w == name || w == name[:3] {
			return i, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown day %q (use mon..sun, daily, weekdays or weekends)", ErrSchedule, w)
}

// parseSpan reads HH:MM-HH:MM as minutes of the day.
func parseSpan(w string) (from, to int, err error) {
	a, b, ok := strings.Cut(w, "-")
	if !ok {
		return 0, 0, fmt.Errorf("%w: %q is not a span HH:MM-HH:MM", ErrSchedule, w)
	}
	if from, err = parseClock(a, false); err != nil {
		return 0, 0, err
	}
	if to, err = parseClock(b, true); err != nil {
		return 0, 0, err
	}
	if from == to {
		return 0, 0, fmt.Errorf("%w: span %q is empty (use \"all day\")", ErrSchedule, w)
	}
	return from, to, nil
}

// parseClock reads HH:MM, and 24:00 when end is set.
func parseClock(w string, end bool) (int, error) {
	bad := fmt.Errorf("%w: %q is not a time HH:MM", ErrSchedule, w)
	if len(w) != 5 || w[2] != ':' {
		return 0, bad
	}
	h, m := digits(w[0:2]), digits(w[3:5])
	switch {
	case h < 0 || m < 0 || m > 59:
		return 0, bad
	case h == 24 && m == 0 && end:
		return minutesPerDay, nil
	case h > 23:
		return 0, bad
	}
	return h*60 + m, nil
}

// digits reads two decimal digits, or returns -1.
func digits(s string) int {
	if s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return -1
	}
	return int(s[0]-'0')*10 + int(s[1]-'0')
}

// Allows reports whether sharing is allowed at t, read in t's location.
func (s *Schedule) Allows(t time.Time) bool {
	if s.always {
		return true
	}
	i := int(t.Weekday())*minutesPerDay + t.Hour()*60 + t.Minute()
	return s.bits[i/64]&(1<<(i%64)) != 0
}

// Always reports whether the schedule allows every minute.
func (s *Schedule) Always() bool { return s.always }

// NextChange returns the first minute after t when Allows changes, or the
// zero time when it never does.
func (s *Schedule) NextChange(t time.Time) time.Time {
	if s.always {
		return time.Time{}
	}
	now := s.Allows(t)
	m := t.Truncate(time.Minute)
	for range minutesPerWeek + 60 { // an hour more for a DST change
		m = m.Add(time.Minute)
		if s.Allows(m) != now {
			return m
		}
	}
	return time.Time{}
}
