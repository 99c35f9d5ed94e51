package broker

import (
	"encoding/json"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
)

// Bounds on what a heartbeat may report.
const (
	maxActiveLeases = 1_000_000
	maxQuotaBytes   = 1 << 60
	maxScheduleLen  = 256
	// maxClockSkew is how far in the future a node's measurement time may
	// lie before the broker calls it wrong.
	maxClockSkew = 5 * time.Minute
)

// unavailableReasons are the reason codes a heartbeat may give.
var unavailableReasons = map[string]bool{
	api.UnavailablePaused: true, api.UnavailableQuota: true, api.UnavailableSchedule: true,
	api.UnavailableHousehold: true, api.UnavailableLeaseLimit: true,
}

// reportOf checks everything a heartbeat reports beyond spare capacity
// and returns it as the store keeps it.
func reportOf(req api.HeartbeatRequest, now time.Time) (store.NodeReport, error) {
	r := store.NodeReport{LoadBps: req.LoadBps, ActiveLeases: req.ActiveLeases, Unavailable: req.Unavailable}
	switch {
	case req.LoadBps < 0 || req.LoadBps > 2*maxBytesPerSecond:
		return r, badRequest("load_bps must be from 0 to %d", int64(2*maxBytesPerSecond))
	case req.ActiveLeases < 0 || req.ActiveLeases > maxActiveLeases:
		return r, badRequest("active_leases must be from 0 to %d", maxActiveLeases)
	case req.Unavailable != "" && !unavailableReasons[req.Unavailable]:
		return r, badRequest("unknown unavailable reason %q", req.Unavailable)
	}
	if l := req.Link; l != nil {
		if err := checkLink(*l, now); err != nil {
			return r, err
		}
		r.LinkUpBps, r.LinkDownBps, r.LinkMeasuredAt = l.UpBps, l.DownBps, l.MeasuredAt
	}
	if c := req.OwnerCaps; c != nil {
		if err := checkOwnerCaps(*c); err != nil {
			return r, err
		}
		raw, err := json.Marshal(c)
		if err != nil {
			return r, err
		}
		r.OwnerCaps, r.MaxLeases = string(raw), c.MaxLeases
	}
	return r, nil
}

func checkLink(l api.Link, now time.Time) error {
	switch {
	case l.UpBps < 0 || l.UpBps > maxBytesPerSecond || l.DownBps < 0 || l.DownBps > maxBytesPerSecond:
		return badRequest("link rates must be from 0 to %d", int64(maxBytesPerSecond))
	case l.MeasuredAt.After(now.Add(maxClockSkew)):
		return badRequest("link.measured_at lies in the future")
	}
	return nil
}

func checkOwnerCaps(c api.OwnerCaps) error {
	switch {
	case c.MaxUpBps < 0 || c.MaxUpBps > maxBytesPerSecond || c.MaxDownBps < 0 || c.MaxDownBps > maxBytesPerSecond:
		return badRequest("owner_caps rates must be from 0 (none) to %d", int64(maxBytesPerSecond))
	case c.MonthlyQuotaBytes < 0 || c.MonthlyQuotaBytes > maxQuotaBytes || c.QuotaUsedBytes < 0 || c.QuotaUsedBytes > maxQuotaBytes:
		return badRequest("owner_caps byte counts must be from 0 to %d", int64(maxQuotaBytes))
	case c.QuotaResetDay < 0 || c.QuotaResetDay > 28:
		return badRequest("owner_caps.quota_reset_day must be from 0 (the 1st) to 28")
	case c.Schedule != "" && !validText(c.Schedule, maxScheduleLen):
		return badRequest("owner_caps.schedule must be at most %d bytes of text", maxScheduleLen)
	case c.MaxLeases < 0 || c.MaxLeases > maxActiveLeases:
		return badRequest("owner_caps.max_leases must be from 0 (none) to %d", maxActiveLeases)
	}
	return nil
}

// available reports whether an online node takes new leases: its owner's
// controls allow it and it serves fewer leases than their limit.
func available(n store.Node) bool {
	r := n.Report
	return r.Unavailable == "" && (r.MaxLeases == 0 || r.ActiveLeases < r.MaxLeases)
}

// unavailableReason is why an online node takes no new leases, "" when it
// does.
func unavailableReason(n store.Node) string {
	switch {
	case n.Report.Unavailable != "":
		return n.Report.Unavailable
	case !available(n):
		return api.UnavailableLeaseLimit
	}
	return ""
}

// reportView fills the reported and measured parts of a node's listing.
func reportView(v *api.Node, n store.Node) {
	r, m := n.Report, n.Measured
	v.LoadBps, v.ActiveLeases = r.LoadBps, r.ActiveLeases
	if r.OwnerCaps != "" {
		var c api.OwnerCaps
		// The broker wrote it from a checked value; a row it cannot read
		// is shown without caps rather than failing the listing.
		if json.Unmarshal([]byte(r.OwnerCaps), &c) == nil {
			v.OwnerCaps = &c
		}
	}
	if !r.LinkMeasuredAt.IsZero() || r.LinkUpBps > 0 || r.LinkDownBps > 0 {
		v.LinkReported = &api.Link{UpBps: r.LinkUpBps, DownBps: r.LinkDownBps, MeasuredAt: r.LinkMeasuredAt}
	}
	if !m.ProbedAt.IsZero() {
		v.LinkMeasured = &api.Link{UpBps: m.ProbeUpBps, DownBps: m.ProbeDownBps, MeasuredAt: m.ProbedAt}
	}
	v.Quality = api.NodeQuality{
		Checks: m.Checks, CheckSuccesses: m.CheckSuccesses, LatencyMicros: m.LatencyMicros, CheckedAt: m.CheckedAt,
	}
}

// qualityOf is what the matcher uses of a node's measurements.
func qualityOf(n store.Node) (Quality, bool) {
	m := n.Measured
	q := Quality{Attempts: m.Checks, Successes: m.CheckSuccesses, Latency: time.Duration(m.LatencyMicros) * time.Microsecond}
	// Relayed bytes cross the line once each way, so the slower measured
	// direction bounds the exit.
	switch up, down := m.ProbeUpBps, m.ProbeDownBps; {
	case up > 0 && down > 0:
		q.ThroughputBps = min(up, down)
	default:
		q.ThroughputBps = max(up, down)
	}
	return q, q.Attempts > 0 || q.Latency > 0 || q.ThroughputBps > 0
}

// quoteQuality sums up what was measured about a quote's exits: the
// success rate over all their checks, the median of their latencies and
// the total of their measured throughputs. Unmeasured exits add nothing.
func quoteQuality(exits []store.Node) api.Quality {
	var (
		out             api.Quality
		checks, success int64
		lats            []time.Duration
	)
	for _, n := range exits {
		q, ok := qualityOf(n)
		if !ok {
			continue
		}
		a, s := attemptsOf(q)
		checks, success = checks+a, success+s
		if q.Latency > 0 {
			lats = append(lats, q.Latency)
		}
		out.ThroughputBps += q.ThroughputBps
	}
	if checks > 0 {
		out.SuccessRate = float64(success) / float64(checks)
	}
	out.LatencyMillis = median(lats).Milliseconds()
	return out
}
