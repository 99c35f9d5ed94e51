package owner

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// setter applies one human-readable value to the settings.
type setter struct {
	help  string
	apply func(s *Settings, v string) error
}

// setters are the settings by the names the CLI and config file use.
// Rates are in Mbit/s and quotas in GB (10^9 bytes), as owners think of
// their line; "none" or 0 removes a cap.
var setters = map[string]setter{
	"max-rate": {"cap on relay traffic in both directions, Mbit/s", func(s *Settings, v string) error {
		return rate(v, &s.MaxUpBps, &s.MaxDownBps)
	}},
	"max-up": {"cap on relay traffic on the uplink, Mbit/s", func(s *Settings, v string) error {
		return rate(v, &s.MaxUpBps)
	}},
	"max-down": {"cap on relay traffic on the downlink, Mbit/s", func(s *Settings, v string) error {
		return rate(v, &s.MaxDownBps)
	}},
	"quota": {"monthly data quota for relay traffic on the line, GB", func(s *Settings, v string) error {
		return scaled(v, 1e9, MaxQuotaBytes, &s.QuotaBytes)
	}},
	"quota-reset-day": {"day of the month (1-28) the quota starts again", func(s *Settings, v string) error {
		return integer(v, 1, 28, &s.QuotaResetDay)
	}},
	"schedule": {`when to share, e.g. "weekdays 09:00-17:00, weekends all day" or "always"`, func(s *Settings, v string) error {
		if _, err := ParseSchedule(v); err != nil {
			return err
		}
		s.Schedule = strings.TrimSpace(v)
		return nil
	}},
	"only-when-idle": {"share only while the household's traffic is below idle-below: on or off", func(s *Settings, v string) error {
		return boolean(v, &s.OnlyWhenIdle)
	}},
	"idle-below": {"household rate under which the line is idle, Mbit/s", func(s *Settings, v string) error {
		return rate(v, &s.IdleBelowBps)
	}},
	"max-leases": {"most buyers' leases served at once (0: no limit)", func(s *Settings, v string) error {
		return integer(v, 0, MaxLeasesLimit, &s.MaxLeases)
	}},
	"egress-allow": {"extra destinations buyers may reach, comma-separated rules", func(s *Settings, v string) error {
		return rules(v, &s.EgressAllow)
	}},
	"egress-deny": {"extra destinations buyers may not reach, comma-separated rules", func(s *Settings, v string) error {
		return rules(v, &s.EgressDeny)
	}},
	"egress-web-only": {"let buyers reach web ports (80, 443) only: on or off", func(s *Settings, v string) error {
		return boolean(v, &s.WebOnly)
	}},
	"paused": {"stop sharing until resumed: on or off", func(s *Settings, v string) error {
		return boolean(v, &s.Paused)
	}},
}

// Set changes the setting called name to value, given as an owner types
// it: Set(&s, "max-rate", "20") caps relay traffic at 20 Mbit/s. The
// result is validated as a whole.
func Set(s *Settings, name, value string) error {
	st, ok := setters[name]
	if !ok {
		return fmt.Errorf("%w: unknown setting %q (settings: %s)", ErrInvalid, name, strings.Join(Names(), ", "))
	}
	next := clone(*s)
	if err := st.apply(&next, value); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := next.Validate(); err != nil {
		return err
	}
	*s = next
	return nil
}

// Names lists the settings Set knows, sorted.
func Names() []string {
	names := make([]string, 0, len(setters))
	for n := range setters {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Help describes the setting called name and its unit.
func Help(name string) string { return setters[name].help }

// Switch reports whether the setting called name is on or off, so that a
// command line may give it without a value to turn it on.
func Switch(name string) bool {
	switch name {
	case "only-when-idle", "egress-web-only", "paused":
		return true
	}
	return false
}

// rate reads Mbit/s into bytes per second.
func rate(v string, dst ...*int64) error {
	var bps int64
	if err := scaled(v, 1e6/8, MaxRateBps, &bps); err != nil {
		return err
	}
	for _, d := range dst {
		*d = bps
	}
	return nil
}

// scaled reads a non-negative decimal number times unit, at most hi.
func scaled(v string, unit float64, hi int64, dst *int64) error {
	v = strings.TrimSpace(strings.ToLower(v))
	if v == "none" || v == "off" {
		*dst = 0
		return nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || f < 0 || f*unit > float64(hi) {
		return fmt.Errorf("%w: %q is not a number from 0 to %g", ErrInvalid, v, float64(hi)/unit)
	}
	*dst = int64(math.Round(f * unit))
	return nil
}

func integer(v string, lo, hi int, dst *int) error {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < lo || n > hi {
		return fmt.Errorf("%w: %q is not a whole number from %d to %d", ErrInvalid, v, lo, hi)
	}
	*dst = n
	return nil
}

func boolean(v string, dst *bool) error {
	switch strings.TrimSpace(strings.ToLower(v)) {
	case "on", "true", "yes", "1":
		*dst = true
	case "off", "false", "no", "0":
		*dst = false
	default:
		return fmt.Errorf("%w: %q is not on or off", ErrInvalid, v)
	}
	return nil
}

// rules reads a comma-separated list; "none" or "" empties it.
func rules(v string, dst *[]string) error {
	var out []string
	for r := range strings.SplitSeq(v, ",") {
		if r = strings.TrimSpace(r); r != "" && r != "none" {
			out = append(out, r)
		}
	}
	*dst = out
	return nil
}
