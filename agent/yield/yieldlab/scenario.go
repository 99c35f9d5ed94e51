package yieldlab

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/agent/yield"
)

// settle is how long the relay must hold near its ceiling before the
// household starts, and how long it runs after recovery before its rate
// is read.
const settle = 2 * time.Second

// scenario is one run of the lab.
type scenario struct {
	cfg   Config
	lab   *lab
	exe   string
	log   *zap.Logger
	tl    *timeline
	start time.Time
	r     Result
	// stoppedAt is when the household stopped.
	stoppedAt time.Time
}

// run fills s.r; helpers that fail on the way out turn a success into
// their error.
func (s *scenario) run(ctx context.Context) (err error) {
	s.r.LinkBps = s.cfg.LinkMbit * 1e6 / 8
	s.r.HouseholdDemandBps = s.r.LinkBps * s.cfg.HouseholdPct / 100
	sink, err := startHelper(s.lab.nsB, s.exe, "sink", "sink", roleArgs{Listen: addrB + ":0"}, s.tl)
	if err != nil {
		return err
	}
	defer s.stop(sink, &err)
	listen, ok := s.waitEvent(ctx, "sink", "listen", s.start, 10*time.Second)
	if !ok {
		return errors.New("sink did not start listening")
	}
	relay, err := startHelper(s.lab.nsA, s.exe, "relay", "relay",
		roleArgs{Target: listen.text, Iface: vethA, LinkBps: s.r.LinkBps}, s.tl)
	if err != nil {
		return err
	}
	defer s.stop(relay, &err)
	if err = s.warmUp(ctx); err != nil {
		return err
	}
	if err = s.household(ctx, listen.text); err != nil {
		return err
	}
	s.recover(ctx)
	return ctx.Err()
}

// warmUp waits until the relay has held close to its ceiling for settle
// on the quiet link, and records its rates.
func (s *scenario) warmUp(ctx context.Context) error {
	target := (s.r.LinkBps - s.r.LinkBps*yield.DefaultHeadroomPct/100) * 8 / 10
	settled := func() bool {
		now := time.Now()
		return now.Sub(s.start) > settle && s.tl.minAllowed(now.Add(-settle), now) >= target
	}
	if !waitFor(ctx, s.cfg.Warmup, settled) {
		return fmt.Errorf("relay's allowed rate did not hold %d B/s for %v on a quiet link within %v", target, settle, s.cfg.Warmup)
	}
	now := time.Now()
	s.r.AllowedBefore = s.tl.allowed(now)
	s.r.RelayBeforeBps, _ = s.tl.delivered(now.Add(-settle), now)
	s.log.Info("relay settled", zap.Int64("allowed", s.r.AllowedBefore), zap.Int64("delivered", s.r.RelayBeforeBps))
	return nil
}

// household runs the household's traffic and records the reaction.
func (s *scenario) household(ctx context.Context, target string) error {
	h, err := startHelper(s.lab.nsA, s.exe, "household", "household",
		roleArgs{Target: target, RateBps: s.r.HouseholdDemandBps}, s.tl)
	if err != nil {
		return err
	}
	started, ok := s.waitEvent(ctx, "household", "started", s.start, 10*time.Second)
	if !ok {
		_ = h.stop()
		return errors.New("household did not start sending")
	}
	sleep(ctx, s.cfg.Household)
	stopped := time.Now()
	if err := h.stop(); err != nil {
		return err
	}
	s.r.RelayDuringBps, s.r.HouseholdBps = s.tl.delivered(started.at.Add(s.cfg.Household/2), stopped)
	half := s.r.AllowedBefore / 2
	if ev, ok := s.tl.first("relay", "allowed", started.at, func(ev event) bool { return rate(ev) >= 0 && rate(ev) <= half }); ok {
		s.r.Reaction, s.r.Dropped = ev.at.Sub(started.at), true
	}
	s.log.Info("household done", zap.Duration("reaction", s.r.Reaction), zap.Int64("household", s.r.HouseholdBps))
	s.stoppedAt = stopped
	return nil
}

// recover waits for the relay to come back after the household stopped
// and records how long it took and what it delivers then.
func (s *scenario) recover(ctx context.Context) {
	want := s.r.AllowedBefore * 9 / 10
	back := func(ev event) bool { return rate(ev) >= want }
	waitFor(ctx, s.cfg.Recovery, func() bool {
		_, ok := s.tl.first("relay", "allowed", s.stoppedAt, back)
		return ok
	})
	if ev, ok := s.tl.first("relay", "allowed", s.stoppedAt, back); ok {
		s.r.Recovery, s.r.Recovered = ev.at.Sub(s.stoppedAt), true
	}
	sleep(ctx, settle)
	now := time.Now()
	s.r.RelayAfterBps, _ = s.tl.delivered(now.Add(-settle), now)
	s.log.Info("relay recovered", zap.Duration("recovery", s.r.Recovery), zap.Int64("delivered", s.r.RelayAfterBps))
}

// stop ends h and reports its failure through err unless err is set.
func (s *scenario) stop(h *helper, err *error) {
	if e := h.stop(); e != nil && *err == nil {
		*err = e
	}
}

// waitEvent waits for the first event of kind from src after from.
func (s *scenario) waitEvent(ctx context.Context, src, kind string, from time.Time, timeout time.Duration) (event, bool) {
	var ev event
	ok := waitFor(ctx, timeout, func() bool {
		var found bool
		ev, found = s.tl.first(src, kind, from, nil)
		return found
	})
	return ev, ok
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
