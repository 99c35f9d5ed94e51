package owner

import "time"

// Reason says why the agent does not take on more work. The values are
// stable: the status API, heartbeats and Proxy-Status details carry them.
type Reason string

// Why an agent stops serving, from the strongest.
const (
	// ReasonPaused: the owner paused sharing.
	ReasonPaused Reason = "paused"
	// ReasonQuota: the month's quota is used up.
	ReasonQuota Reason = "quota_reached"
	// ReasonSchedule: the owner's schedule does not allow this time.
	ReasonSchedule Reason = "outside_schedule"
	// ReasonHousehold: only-when-idle mode and the household is busy.
	ReasonHousehold Reason = "household_busy"
	// ReasonLeases: as many leases as the owner allows are being served.
	ReasonLeases Reason = "lease_limit"
)

// Sentence explains the reason to a buyer or to the owner.
func (r Reason) Sentence() string {
	switch r {
	case ReasonPaused:
		return "the owner paused this exit"
	case ReasonQuota:
		return "this exit used its owner's monthly data quota"
	case ReasonSchedule:
		return "this exit is outside its owner's sharing hours"
	case ReasonHousehold:
		return "this exit's household is using its line"
	case ReasonLeases:
		return "this exit serves as many leases as its owner allows"
	}
	return ""
}

// Inputs are what a decision depends on besides the settings.
type Inputs struct {
	// Now is the current time in the machine's time zone.
	Now time.Time
	// UsedBytes is the relay's line traffic in the current quota period.
	UsedBytes int64
	// HouseholdBps is the household's recent peak rate, the higher of its
	// upload and download.
	HouseholdBps int64
	// ActiveLeases is how many leases the exit serves now.
	ActiveLeases int
	// SpareBps is the measured spare capacity, before the owner's cap.
	SpareBps int64
}

// Decision is what the agent applies to its exit and reports.
type Decision struct {
	// Tunnels reports whether new tunnels may start.
	Tunnels bool
	// NewLeases reports whether the broker should send new leases; when
	// false, heartbeats report no spare capacity.
	NewLeases bool
	// EndOpen asks to end the open tunnels as well: the owner wants the
	// line back now, or the quota is used up.
	EndOpen bool
	// Reason is why Tunnels or NewLeases is false; empty when both hold.
	Reason Reason
	// CapBps is the exit's total rate cap; zero means none.
	CapBps int64
	// SpareBps is the capacity to advertise: SpareBps under the cap, or
	// zero without new leases.
	SpareBps int64
}

// Decide applies the settings to the inputs. It is a pure function.
func Decide(s Settings, sched *Schedule, in Inputs) Decision {
	d := Decision{Tunnels: true, NewLeases: true, CapBps: s.CapBps()}
	switch {
	case s.Paused:
		d.stop(ReasonPaused, true)
	case s.QuotaBytes > 0 && in.UsedBytes >= s.QuotaBytes:
		d.stop(ReasonQuota, true)
	case sched != nil && !sched.Allows(in.Now):
		d.stop(ReasonSchedule, true)
	case s.OnlyWhenIdle && in.HouseholdBps >= s.IdleThreshold():
		d.stop(ReasonHousehold, false)
	case s.MaxLeases > 0 && in.ActiveLeases >= s.MaxLeases:
		d.NewLeases, d.Reason = false, ReasonLeases
	}
	if d.NewLeases {
		d.SpareBps = max(in.SpareBps, 0)
		if d.CapBps > 0 {
			d.SpareBps = min(d.SpareBps, d.CapBps)
		}
	}
	return d
}

func (d *Decision) stop(r Reason, endOpen bool) {
	d.Tunnels, d.NewLeases, d.EndOpen, d.Reason = false, false, endOpen, r
}
