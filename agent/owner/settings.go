// Package owner holds a home seller's controls over the agent: rate caps,
// a monthly data quota, a weekly schedule, "only when idle", a limit on
// concurrent leases, egress additions, web-only mode and pause. It keeps
// them in the data directory, decodes them strictly from the CLI, the
// config file and the local status API, and decides, as a pure function of
// the settings, the clock, the month's usage and the household's load,
// whether the agent may serve new tunnels and at what rate.
//
// It enforces nothing itself: the agent applies each Decision to its exit.
package owner

import (
	"errors"
	"fmt"

	"github.com/sparelink/sparelink/relay/egress"
)

// Limits on what an owner may set; beyond them a value is a typo.
const (
	// MaxRateBps is the highest rate cap, 10 GB/s (80 Gbit/s).
	MaxRateBps = 10_000_000_000
	// MaxQuotaBytes is the highest monthly quota, 1 PB.
	MaxQuotaBytes = 1_000_000_000_000_000
	// MaxLeasesLimit is the highest limit on concurrent leases.
	MaxLeasesLimit = 10_000
	// maxRules bounds each egress rule list.
	maxRules = 256
)

// DefaultIdleBelowBps is the household rate under which the line counts
// as idle when IdleBelowBps is zero: 125,000 B/s (1 Mbit/s).
const DefaultIdleBelowBps = 125_000

// ErrInvalid is wrapped by every error about a setting's value.
var ErrInvalid = errors.New("invalid owner setting")

// Settings are the owner's controls. The zero value shares whenever there
// is spare capacity, without caps. Rates are bytes per second.
type Settings struct {
	// Paused stops sharing until the owner resumes.
	Paused bool `json:"paused"`
	// MaxUpBps and MaxDownBps cap relay traffic on the uplink and the
	// downlink; zero means no cap. Every relayed byte crosses the line
	// once in each direction, so the lower of the two is the relay's cap.
	MaxUpBps   int64 `json:"max_up_bps"`
	MaxDownBps int64 `json:"max_down_bps"`
	// QuotaBytes is the relay's monthly allowance on the line, counting
	// each relayed byte in and out; zero means none.
	QuotaBytes int64 `json:"monthly_quota_bytes"`
	// QuotaResetDay is the day of the month (1-28) the quota starts again,
	// at midnight local time; zero means 1.
	QuotaResetDay int `json:"quota_reset_day"`
	// Schedule is when sharing is allowed, in the syntax of ParseSchedule;
	// empty means always.
	Schedule string `json:"schedule"`
	// OnlyWhenIdle shares only while the household's own traffic stays
	// below IdleBelowBps in both directions.
	OnlyWhenIdle bool `json:"only_when_idle"`
	// IdleBelowBps is the idle threshold; zero means DefaultIdleBelowBps.
	IdleBelowBps int64 `json:"idle_below_bps"`
	// MaxLeases bounds the buyers' leases served at once; zero: no limit.
	MaxLeases int `json:"max_leases"`
	// EgressAllow and EgressDeny are additions to the egress policy in
	// relay/egress rule syntax.
	EgressAllow []string `json:"egress_allow"`
	EgressDeny  []string `json:"egress_deny"`
	// WebOnly lets buyers reach web ports (80 and 443) only.
	WebOnly bool `json:"egress_web_only"`
}

// CapBps is the relay's rate cap: the lower of the two directions' caps,
// zero when neither is set.
func (s Settings) CapBps() int64 {
	switch {
	case s.MaxUpBps == 0:
		return s.MaxDownBps
	case s.MaxDownBps == 0:
		return s.MaxUpBps
	}
	return min(s.MaxUpBps, s.MaxDownBps)
}

// ResetDay is QuotaResetDay with its default applied.
func (s Settings) ResetDay() int { return max(s.QuotaResetDay, 1) }

// IdleThreshold is IdleBelowBps with its default applied.
func (s Settings) IdleThreshold() int64 {
	if s.IdleBelowBps == 0 {
		return DefaultIdleBelowBps
	}
	return s.IdleBelowBps
}

// Validate checks every value and names the first bad one.
func (s Settings) Validate() error {
	checks := []struct {
		ok   bool
		name string
		want string
	}{
		{inRange(s.MaxUpBps, MaxRateBps), "max_up_bps", fmt.Sprintf("from 0 to %d", int64(MaxRateBps))},
		{inRange(s.MaxDownBps, MaxRateBps), "max_down_bps", fmt.Sprintf("from 0 to %d", int64(MaxRateBps))},
		{inRange(s.QuotaBytes, MaxQuotaBytes), "monthly_quota_bytes", fmt.Sprintf("from 0 to %d", int64(MaxQuotaBytes))},
		{s.QuotaResetDay >= 0 && s.QuotaResetDay <= 28, "quota_reset_day", "a day from 1 to 28 (0 means 1)"},
		{inRange(s.IdleBelowBps, MaxRateBps), "idle_below_bps", fmt.Sprintf("from 0 to %d", int64(MaxRateBps))},
		{s.MaxLeases >= 0 && s.MaxLeases <= MaxLeasesLimit, "max_leases", fmt.Sprintf("from 0 to %d", MaxLeasesLimit)},
	}
	for _, c := range checks {
		if !c.ok {
			return fmt.Errorf("%w: %s must be %s", ErrInvalid, c.name, c.want)
		}
	}
	if _, err := ParseSchedule(s.Schedule); err != nil {
		return fmt.Errorf("%w: schedule: %w", ErrInvalid, err)
	}
	if err := checkRules("egress allow", s.EgressAllow); err != nil {
		return err
	}
	return checkRules("egress deny", s.EgressDeny)
}

func inRange(v, hi int64) bool { return v >= 0 && v <= hi }

func checkRules(name string, rules []string) error {
	if len(rules) > maxRules {
		return fmt.Errorf("%w: %s holds %d rules, at most %d", ErrInvalid, name, len(rules), maxRules)
	}
	for _, r := range rules {
		if _, err := egress.ParseRule(r); err != nil {
			return fmt.Errorf("%w: %s rule %q: %w", ErrInvalid, name, r, err)
		}
	}
	return nil
}
