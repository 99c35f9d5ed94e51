package agent_test

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/sparelink/sparelink/agent"
	"github.com/sparelink/sparelink/agent/owner"
	"github.com/sparelink/sparelink/agent/yield"
)

// blast sends loopback TCP traffic as fast as it can until stop is
// called: the household, as the agent measures it on "lo".
func blast(t *testing.T) (stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = io.Copy(io.Discard, c)
	}()
	go func() {
		defer wg.Done()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 1<<20)
		for ctx.Err() == nil {
			if _, err := c.Write(buf); err != nil {
				return
			}
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			ln.Close()
			wg.Wait()
		})
	}
	t.Cleanup(stop)
	return stop
}

// capNow is the exit's rate cap as the status API reports it.
func capNow(t *testing.T, a *owned) int64 {
	t.Helper()
	st, err := a.api.Status(context.Background())
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	return st.Serving.CapBps
}

func TestOnlyWhenIdleYieldsToTheHousehold(t *testing.T) {
	m := newMarket(t)
	key, _ := m.Operator()
	o := newOrigin(t, 10)
	a := startOwned(t, m, key, func(c *agent.Config) {
		c.Interfaces = []string{"lo"}
		c.LinkUpBps, c.LinkDownBps = 100_000_000, 100_000_000
		c.IdleHold = 2 * time.Second
		c.Owner = func(s *owner.Settings) {
			s.MaxUpBps, s.MaxDownBps = 50_000_000, 50_000_000
			s.OnlyWhenIdle = true
			s.IdleBelowBps = 100_000_000 // 800 Mbit/s: far above the tests' own loopback traffic
		}
	}, o.Addr())
	d := exitDialer(t, buyLease(t, m.Buyer(), "NL"))
	a.waitReason(t, "")
	exchange(t, d, o, 1)
	waitFor(t, "the relay's rate to ramp up", func() bool { return capNow(t, a) > 1_000_000 })

	stop := blast(t)
	dec := a.waitReason(t, owner.ReasonHousehold)
	if dec.Tunnels || dec.NewLeases || dec.EndOpen {
		t.Errorf("household busy: got %+v, want no new tunnels or leases, open ones left alone", dec)
	}
	// Open tunnels yield too: the exit's rate drops to yield's floor.
	waitFor(t, "the relay's rate to yield", func() bool { return capNow(t, a) <= yield.DefaultFloorBps })
	if st, _ := a.api.Status(context.Background()); st.Capacity.HouseholdUpBps < 100_000_000 || st.Serving.OwnerCapBps != 50_000_000 {
		t.Errorf("status: got household up %d B/s and owner cap %d while blasting, want above the threshold and the owner's cap", st.Capacity.HouseholdUpBps, st.Serving.OwnerCapBps)
	}
	refused(t, d, o.Addr())
	stop()
	a.waitReason(t, "")
	waitFor(t, "the relay's rate to come back", func() bool { return capNow(t, a) > 1_000_000 })
	exchange(t, d, o, 1)
}
