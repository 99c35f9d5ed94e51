package status

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText prints st for a person, as `sparelink-agent status` shows it.
func WriteText(w io.Writer, st Status) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	line := func(label, format string, args ...any) {
		fmt.Fprintf(tw, "%s\t%s\n", label, fmt.Sprintf(format, args...))
	}
	line("Node", "%s (%s)", st.NodeID, registration(st))
	line("Exit", "%s, reachability %s", st.ExitAddr, st.Reachability)
	if st.Traversal != nil {
		line("NAT", "%s", traversal(*st.Traversal))
	}
	line("Sharing", "%s", sharing(st.Serving))
	if !st.Serving.ScheduleChange.IsZero() {
		line("Schedule", "%q, next change %s", st.Settings.Schedule, st.Serving.ScheduleChange.Format("Mon 2 Jan 15:04"))
	}
	c := st.Capacity
	line("Household", "up %s, down %s", Mbit(c.HouseholdUpBps), Mbit(c.HouseholdDownBps))
	line("Shared", "%s now, %d open tunnels, %d recent sessions", Mbit(c.RelayBps), st.ActiveTunnels, len(st.Sessions))
	line("Line", "up %s, down %s, spare %s", Mbit(c.LinkUpBps), Mbit(c.LinkDownBps), Mbit(c.SpareBps))
	line("Usage", "%s", usage(st.Usage))
	line("Earnings", "%s", earnings(st.Earnings))
	return tw.Flush()
}

// traversal says how buyers behind other NATs reach the exit.
func traversal(t Traversal) string {
	var b strings.Builder
	fmt.Fprintf(&b, "mapping %s, filtering %s; ", t.NATMapping, t.NATFiltering)
	switch {
	case t.Path == "direct":
		b.WriteString("buyers dial the exit directly")
	case t.Relay == "":
		b.WriteString("buyers punch a hole; no relay assigned yet")
	case t.RelayConnected:
		fmt.Fprintf(&b, "buyers punch a hole or use relay %s (connected)", t.Relay)
	default:
		fmt.Fprintf(&b, "buyers punch a hole or use relay %s (not connected)", t.Relay)
	}
	fmt.Fprintf(&b, "; %d punched paths open, %d punched, %d failed", t.OpenPaths, t.Punched, t.Failed)
	return b.String()
}

func registration(st Status) string {
	switch {
	case !st.Registered:
		return "not registered"
	case st.HeartbeatError != "":
		return "registered; last heartbeat failed: " + st.HeartbeatError
	case st.LastHeartbeat.IsZero():
		return "registered, no heartbeat yet"
	}
	return fmt.Sprintf("registered, last heartbeat %s ago", st.At.Sub(st.LastHeartbeat).Round(time.Second))
}

func sharing(s Serving) string {
	var b strings.Builder
	switch {
	case s.Tunnels && s.NewLeases:
		b.WriteString("yes")
	case s.Tunnels:
		b.WriteString("open leases only: " + s.Detail)
	default:
		b.WriteString("no: " + s.Detail)
	}
	if s.CapBps > 0 {
		fmt.Fprintf(&b, "; cap %s", Mbit(s.CapBps))
	}
	if s.OwnerCapBps > 0 && s.OwnerCapBps != s.CapBps {
		fmt.Fprintf(&b, " (yours %s)", Mbit(s.OwnerCapBps))
	}
	fmt.Fprintf(&b, "; offering %s", Mbit(s.SpareBps))
	return b.String()
}

func usage(u Usage) string {
	period := fmt.Sprintf("since %s, resets %s", u.PeriodStart.Format("2 Jan"), u.PeriodEnd.Format("2 Jan"))
	if u.QuotaBytes == 0 {
		return fmt.Sprintf("%s (no quota), %s", GB(u.UsedBytes), period)
	}
	return fmt.Sprintf("%s of %s, %s", GB(u.UsedBytes), GB(u.QuotaBytes), period)
}

func earnings(e Earnings) string {
	if e.Error != "" && e.At.IsZero() {
		return "unknown: " + e.Error
	}
	return fmt.Sprintf("%s earned, %s available", Units(e.EarnedMicros), Units(e.AvailableMicros))
}

// Mbit formats bytes per second as Mbit/s.
func Mbit(bps int64) string { return fmt.Sprintf("%.1f Mbit/s", float64(bps)*8/1e6) }

// GB formats bytes as GB (10^9 bytes).
func GB(b int64) string { return fmt.Sprintf("%.2f GB", float64(b)/1e9) }

// Units formats micro-units as units.
func Units(micros int64) string {
	sign := ""
	if micros < 0 {
		sign, micros = "-", -micros
	}
	return fmt.Sprintf("%s%d.%06d", sign, micros/1e6, micros%1e6)
}
