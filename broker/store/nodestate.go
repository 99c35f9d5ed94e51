package store

import "time"

// StateColumns lists the nodes table's reported and measured state, in
// the order StateScan reads them. Both engines append it to their node
// column list.
const StateColumns = `load_bps, active_leases, max_leases, unavailable, owner_caps,
	link_up_bps, link_down_bps, link_measured_at, probe_up_bps, probe_down_bps, probed_at,
	checks, check_successes, latency_micros, checked_at, wg_public_key, wg_addr`

// ReportColumns are the columns a heartbeat sets besides spare_bps and
// last_seen, in the order of ReportArgs.
var ReportColumns = []string{
	"load_bps", "active_leases", "max_leases", "unavailable", "owner_caps",
	"link_up_bps", "link_down_bps", "link_measured_at",
}

// ReportArgs returns the values of ReportColumns for r.
func ReportArgs(r NodeReport) []any {
	return []any{
		r.LoadBps, int64(r.ActiveLeases), int64(r.MaxLeases), r.Unavailable, r.OwnerCaps,
		r.LinkUpBps, r.LinkDownBps, Nanos(r.LinkMeasuredAt),
	}
}

// StateScan receives the StateColumns of one row; Apply copies them into
// a Node.
type StateScan struct {
	active, maxLeases           int64
	linkAt, probedAt, checkedAt int64
}

// Dest returns the scan destinations for StateColumns, writing straight
// into n where the types allow.
func (s *StateScan) Dest(n *Node) []any {
	r, m := &n.Report, &n.Measured
	return []any{
		&r.LoadBps, &s.active, &s.maxLeases, &r.Unavailable, &r.OwnerCaps,
		&r.LinkUpBps, &r.LinkDownBps, &s.linkAt, &m.ProbeUpBps, &m.ProbeDownBps, &s.probedAt,
		&m.Checks, &m.CheckSuccesses, &m.LatencyMicros, &s.checkedAt, &n.WGPublicKey, &n.WGAddr,
	}
}

// Apply sets the fields of n that needed converting.
func (s *StateScan) Apply(n *Node) {
	n.Report.ActiveLeases, n.Report.MaxLeases = int(s.active), int(s.maxLeases)
	n.Report.LinkMeasuredAt = FromNanos(s.linkAt)
	n.Measured.ProbedAt, n.Measured.CheckedAt = FromNanos(s.probedAt), FromNanos(s.checkedAt)
	if len(n.WGPublicKey) == 0 {
		n.WGPublicKey = nil
	}
}

// Nanos is t in Unix nanoseconds, 0 for the zero time: how both engines
// store times.
func Nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// FromNanos is the inverse of Nanos, in UTC.
func FromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// CheckWindow bounds the reachability history: when a node's check count
// reaches it, both counts are halved before the new check is added, so
// the success rate follows the recent checks rather than all time.
const CheckWindow = 200

// HeartbeatSet is the SET list of a heartbeat's UPDATE, with ph(i)
// rendering the i-th (1-based) placeholder: spare_bps, last_seen, then
// ReportColumns.
func HeartbeatSet(ph func(int) string) string {
	set := "spare_bps = " + ph(1) + ", last_seen = " + ph(2)
	for i, c := range ReportColumns {
		set += ", " + c + " = " + ph(i+3)
	}
	return set
}

// HeartbeatArgs returns the arguments of HeartbeatSet, followed by the
// node ID.
func HeartbeatArgs(h Heartbeat) []any {
	args := append([]any{h.SpareBps, Nanos(h.At)}, ReportArgs(h.Report)...)
	return append(args, h.NodeID)
}

// CheckSet is the SET list of a check's UPDATE. Its placeholders, in
// order: the window (twice), the success (0 or 1), the latency in
// microseconds (three times; 0 leaves the average alone), the check's
// time.
func CheckSet(ph func(int) string) string {
	return `checks = (CASE WHEN checks >= ` + ph(1) + ` THEN checks / 2 ELSE checks END) + 1,
		check_successes = (CASE WHEN checks >= ` + ph(2) + ` THEN check_successes / 2 ELSE check_successes END) + ` + ph(3) + `,
		latency_micros = CASE WHEN ` + ph(4) + ` = 0 THEN latency_micros
			WHEN latency_micros = 0 THEN ` + ph(5) + `
			ELSE (latency_micros * 7 + ` + ph(6) + `) / 8 END,
		checked_at = ` + ph(7)
}

// CheckArgs returns the arguments of CheckSet, followed by the node ID.
func CheckArgs(c Check) []any {
	var ok, lat int64
	if c.OK {
		ok, lat = 1, max(c.Latency.Microseconds(), 1)
	}
	return []any{int64(CheckWindow), int64(CheckWindow), ok, lat, lat, lat, Nanos(c.At), c.NodeID}
}
