package storetest

import (
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/store"
)

func testHeartbeatReport(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.account("op1", store.KindOperator)
	n := newNode("n1", "op1")
	f.node(n)
	at := base.Add(time.Minute)
	report := store.NodeReport{
		LoadBps: 40_000, ActiveLeases: 3, MaxLeases: 5, Unavailable: "schedule",
		OwnerCaps: `{"max_up_bps":125000}`, LinkUpBps: 2_500_000, LinkDownBps: 12_500_000,
		LinkMeasuredAt: base.Add(-time.Hour),
	}
	if err := f.s.RecordHeartbeat(f.ctx, store.Heartbeat{NodeID: "n1", SpareBps: 99, Report: report, At: at}); err != nil {
		t.Fatalf("RecordHeartbeat: %v", err)
	}
	n.SpareBps, n.LastSeen, n.Report = 99, at, report
	f.wantNode(n)

	// Registering again changes the listing, not what was reported or
	// measured.
	if err := f.s.RecordLinkProbe(f.ctx, store.LinkProbe{NodeID: "n1", Up: true, Bps: 1e6, At: at}); err != nil {
		t.Fatalf("RecordLinkProbe: %v", err)
	}
	n.Measured.ProbeUpBps, n.Measured.ProbedAt = 1e6, at
	n.PriceMicrosPerGB = 777
	f.node(n)
	f.wantNode(n)

	// A plain heartbeat clears the report: it is always the latest one.
	if err := f.s.RecordHeartbeat(f.ctx, store.Heartbeat{NodeID: "n1", SpareBps: 5, At: at}); err != nil {
		t.Fatalf("RecordHeartbeat: %v", err)
	}
	n.SpareBps, n.Report = 5, store.NodeReport{}
	f.wantNode(n)
}

func testLinkProbe(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.account("op1", store.KindOperator)
	n := newNode("n1", "op1")
	f.node(n)
	probes := []store.LinkProbe{
		{NodeID: "n1", Up: true, Bps: 1_000_000, At: base},
		{NodeID: "n1", Up: false, Bps: 8_000_000, At: base.Add(time.Second)},
		{NodeID: "n1", Up: true, Bps: 900_000, At: base.Add(2 * time.Second)},
	}
	for _, p := range probes {
		if err := f.s.RecordLinkProbe(f.ctx, p); err != nil {
			t.Fatalf("RecordLinkProbe(%+v): %v", p, err)
		}
	}
	n.Measured = store.Measured{ProbeUpBps: 900_000, ProbeDownBps: 8_000_000, ProbedAt: base.Add(2 * time.Second)}
	f.wantNode(n)
	err := f.s.RecordLinkProbe(f.ctx, store.LinkProbe{NodeID: "n404", Bps: 1, At: base})
	wantErr(t, "RecordLinkProbe(n404)", err, store.ErrNotFound)
}

func testChecks(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.account("op1", store.KindOperator)
	n := newNode("n1", "op1")
	f.node(n)
	check := func(ok bool, lat time.Duration, at time.Time) {
		t.Helper()
		if err := f.s.RecordCheck(f.ctx, store.Check{NodeID: "n1", OK: ok, Latency: lat, At: at}); err != nil {
			t.Fatalf("RecordCheck: %v", err)
		}
	}
	check(true, 100*time.Millisecond, base)
	check(false, 0, base.Add(time.Second))
	check(true, 200*time.Millisecond, base.Add(2*time.Second))
	// The average starts at the first sample and moves an eighth of the
	// way to each later one; a failed check leaves it alone.
	n.Measured = store.Measured{Checks: 3, CheckSuccesses: 2, LatencyMicros: (100_000*7 + 200_000) / 8, CheckedAt: base.Add(2 * time.Second)}
	f.wantNode(n)

	// At the window, both counts halve before the next check is added.
	for i := 3; i < store.CheckWindow; i++ {
		check(true, 112500*time.Microsecond, base.Add(3*time.Second))
	}
	check(false, 0, base.Add(4*time.Second))
	want := store.Measured{
		Checks: store.CheckWindow/2 + 1, CheckSuccesses: (store.CheckWindow - 1) / 2,
		LatencyMicros: 112500, CheckedAt: base.Add(4 * time.Second),
	}
	n.Measured = want
	f.wantNode(n)
	err := f.s.RecordCheck(f.ctx, store.Check{NodeID: "n404", OK: true, At: base})
	wantErr(t, "RecordCheck(n404)", err, store.ErrNotFound)
}
