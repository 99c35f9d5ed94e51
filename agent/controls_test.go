package agent_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/sparelink/sparelink/agent"
	"github.com/sparelink/sparelink/agent/owner"
	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/internal/nodetest"
)

func TestPauseEndsTunnelsAndResumeServes(t *testing.T) {
	m := newMarket(t)
	key, _ := m.Operator()
	o := newOrigin(t, 1000)
	a := startOwned(t, m, key, func(c *agent.Config) { c.HeartbeatInterval = time.Hour }, o.Addr())
	d := exitDialer(t, buyLease(t, m.Buyer(), "NL"))
	exchange(t, d, o, 10)
	waitListedSpare(t, m, a, true)
	open := openTunnel(t, d, o)

	if _, err := a.api.Pause(context.Background()); err != nil {
		t.Fatalf("Pause: %v", err)
	}
	dec := a.waitReason(t, owner.ReasonPaused)
	if dec.Tunnels || dec.NewLeases || dec.SpareBps != 0 {
		t.Errorf("paused decision: got %+v, want no tunnels, no leases, no spare", dec)
	}
	_ = open.(interface{ SetReadDeadline(time.Time) error }).SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(open); err == nil {
		t.Errorf("tunnel open at pause: got a clean end, want it ended by the exit")
	}
	refused(t, d, o.Addr())
	waitListedSpare(t, m, a, false) // a heartbeat went out at once

	st, err := a.api.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Serving.Reason != "paused" || st.Serving.Detail == "" || !st.Settings.Paused {
		t.Errorf("status while paused: got %+v, want reason paused with a detail", st.Serving)
	}
	if _, err := a.api.Resume(context.Background()); err != nil {
		t.Fatalf("Resume: %v", err)
	}
	a.waitReason(t, "")
	exchange(t, d, o, 10)
	waitListedSpare(t, m, a, true)
}

func TestRateCapFromTheAPI(t *testing.T) {
	m := newMarket(t)
	key, _ := m.Operator()
	const down = 600 << 10
	o := newOrigin(t, down)
	a := startOwned(t, m, key, nil, o.Addr())
	d := exitDialer(t, buyLease(t, m.Buyer(), "NL"))
	if got := a.Decision().CapBps; got != 0 {
		t.Fatalf("cap before any setting: got %d, want none", got)
	}
	a.set(t, "max-rate", "2.4") // 300,000 B/s
	waitFor(t, "the cap to apply", func() bool { return a.Decision().CapBps == 300_000 })
	waitFor(t, "the exit to be capped at 300000", func() bool {
		st, err := a.api.Status(context.Background())
		return err == nil && st.Serving.CapBps == 300_000 && st.Serving.OwnerCapBps == 300_000 && st.Serving.SpareBps <= 300_000
	})
	begin := time.Now()
	exchange(t, d, o, 1)
	if took := time.Since(begin); took < 1500*time.Millisecond {
		t.Errorf("600 KiB under a 2.4 Mbit/s cap took %s, want at least 1.5s", took)
	}
	a.set(t, "max-down", "1.2") // the lower direction wins
	waitFor(t, "the lower cap", func() bool { return a.Decision().CapBps == 150_000 })
	a.set(t, "max-rate", "none")
	waitFor(t, "no cap", func() bool { return a.Decision().CapBps == 0 })
}

func TestQuotaStopsSharingUntilTheNextPeriod(t *testing.T) {
	m := newMarket(t)
	key, _ := m.Operator()
	o := newOrigin(t, 300_000)
	clock := newClock(time.Date(2024, 3, 20, 12, 0, 0, 0, time.Local))
	var dir string
	a := startOwned(t, m, key, func(c *agent.Config) {
		c.Now, dir = clock.Now, c.DataDir
		c.Owner = func(s *owner.Settings) { s.QuotaBytes, s.QuotaResetDay = 1_000_000, 15 }
	}, o.Addr())
	d := exitDialer(t, buyLease(t, m.Buyer(), "NL"))
	exchange(t, d, o, 1000) // 301,000 payload bytes: 602,000 on the line
	waitFor(t, "the usage to count", func() bool {
		st, _ := a.api.Status(context.Background())
		return st.Usage.UsedBytes == 602_000
	})
	a.waitReason(t, "")
	// This exchange crosses the quota: the agent may end the tunnel as soon
	// as its count passes 1,000,000 bytes, before the answer is complete.
	exchangeUntilCut(t, d, o, 1000)
	a.waitReason(t, owner.ReasonQuota)
	refused(t, d, o.Addr())
	st, _ := a.api.Status(context.Background())
	if want := time.Date(2024, 3, 15, 0, 0, 0, 0, time.Local); !st.Usage.PeriodStart.Equal(want) || st.Usage.QuotaBytes != 1_000_000 {
		t.Errorf("usage: got %+v, want the period from %s with the quota", st.Usage, want)
	}

	// The count survives a restart.
	if err := a.stop(); err != nil {
		t.Fatal(err)
	}
	again := startOwned(t, m, key, func(c *agent.Config) { c.DataDir, c.Now = dir, clock.Now }, o.Addr())
	again.waitReason(t, owner.ReasonQuota)

	// A new period starts from zero. The restarted exit listens on a new
	// port, so a new lease reaches it.
	clock.Set(time.Date(2024, 4, 15, 0, 0, 1, 0, time.Local))
	again.waitReason(t, "")
	exchange(t, exitDialer(t, buyLeaseAs(t, m.Buyer(), "NL", "after-restart")), o, 1)
}

func TestScheduleFollowsTheClock(t *testing.T) {
	m := newMarket(t)
	key, _ := m.Operator()
	o := newOrigin(t, 10)
	tuesday := func(hh, mm int) time.Time { return time.Date(2024, 1, 2, hh, mm, 0, 0, time.Local) }
	clock := newClock(tuesday(10, 0))
	a := startOwned(t, m, key, func(c *agent.Config) { c.Now = clock.Now }, o.Addr())
	d := exitDialer(t, buyLease(t, m.Buyer(), "NL"))
	a.set(t, "schedule", "weekdays 09:00-17:00, weekends all day")
	exchange(t, d, o, 1)
	st, err := a.api.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !st.Serving.ScheduleChange.Equal(tuesday(17, 0)) {
		t.Errorf("next schedule change: got %s, want %s", st.Serving.ScheduleChange, tuesday(17, 0))
	}
	clock.Set(tuesday(17, 0))
	a.waitReason(t, owner.ReasonSchedule)
	refused(t, d, o.Addr())
	clock.Set(time.Date(2024, 1, 6, 3, 0, 0, 0, time.Local)) // Saturday night
	a.waitReason(t, "")
	exchange(t, d, o, 1)
}

func TestLeaseLimitStopsNewLeases(t *testing.T) {
	m := newMarket(t)
	key, _ := m.Operator()
	o := newOrigin(t, 10)
	a := startOwned(t, m, key, func(c *agent.Config) { c.HeartbeatInterval = time.Hour }, o.Addr())
	a.set(t, "max-leases", "1")
	d := exitDialer(t, buyLease(t, m.Buyer(), "NL"))
	exchange(t, d, o, 1)
	dec := a.waitReason(t, owner.ReasonLeases)
	if !dec.Tunnels || dec.NewLeases || dec.EndOpen {
		t.Errorf("at the lease limit: got %+v, want tunnels of open leases served and no new leases", dec)
	}
	waitListedSpare(t, m, a, false)
	waitListedReason(t, m, a, owner.ReasonLeases)
	exchange(t, d, o, 1) // the lease being served goes on
	waitFor(t, "the session to show both exchanges", func() bool {
		st, err := a.api.Status(context.Background())
		return err == nil && len(st.Sessions) == 1 && st.Sessions[0].UpBytes == 2 && st.Sessions[0].DownBytes == 20
	})
	a.set(t, "max-leases", "0")
	a.waitReason(t, "")
	waitListedSpare(t, m, a, true)
	waitListedReason(t, m, a, "")
}

// exchangeUntilCut sends up bytes to o through d and reads the answer
// until it ends, cleanly or because the exit ended the tunnel.
func exchangeUntilCut(t *testing.T, d *exitdial.Dialer, o *origin, up int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", o.Addr())
	if err != nil {
		t.Fatalf("dial origin through exit: %v", err)
	}
	defer c.Close()
	if _, err := c.Write(nodetest.Payload(up)); err != nil {
		t.Fatalf("write through exit: %v", err)
	}
	if err := c.(*exitdial.Conn).CloseWrite(); err != nil {
		t.Fatalf("close write: %v", err)
	}
	_, _ = io.Copy(io.Discard, c)
}
