// Package yieldlab checks on a real, shaped link that the agent's relay
// traffic gives way to the household (agent/yield) and measures how fast.
//
// It builds two network namespaces joined by a veth pair shaped with tc's
// tbf, runs a sink on the far side and, on the home side, a relay whose
// bulk traffic is paced by the yield controller fed by the real capacity
// sampler reading the veth's counters. Once the relay has settled it
// starts household traffic, stops it later, and reports how quickly the
// relay's allowed rate dropped and came back and what each side got.
//
// Namespaces belong to threads, so everything that runs inside one is a
// helper process: the lab re-executes its own binary, which must call Hook
// first thing. It needs root and the ip and tc tools (Debian: iproute2).
// Only addresses inside the lab's own namespaces are ever dialled. It is
// a test and benchmark harness, not part of the agent.
package yieldlab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	"go.uber.org/zap"
)

// ErrUnavailable is returned by Run when the lab cannot run here: not
// root, tools missing, or a binary that does not call Hook.
var ErrUnavailable = errors.New("yieldlab: namespace lab unavailable")

// Config shapes a run; the zero value is a 40 Mbit/s link, a household
// that wants half of it for 8 s, and generous time limits.
type Config struct {
	// LinkMbit is the shaped link's rate; zero means 40.
	LinkMbit int64
	// HouseholdPct of the link is what the household asks for; zero
	// means 50.
	HouseholdPct int64
	// Household is how long the household sends; zero means 8 s.
	Household time.Duration
	// Warmup and Recovery bound the waits for the relay to reach its
	// ceiling before and after; zero means 30 s and 20 s.
	Warmup, Recovery time.Duration
	// Exe runs the helpers; empty means this binary, which must have
	// called Hook.
	Exe string
}

// Result is what one run saw. Rates are in bytes per second; the
// delivered ones are counted by the sink.
type Result struct {
	LinkBps, HouseholdDemandBps int64
	// AllowedBefore is the relay's allowed rate when the household began.
	AllowedBefore int64
	// Reaction is from the household's first byte to the relay's allowed
	// rate falling to half of AllowedBefore or less; Dropped tells whether
	// it did.
	Reaction time.Duration
	Dropped  bool
	// Recovery is from the household's end to the allowed rate being
	// back at 90% of AllowedBefore; Recovered tells whether it was.
	Recovery  time.Duration
	Recovered bool
	// Delivered rates: the relay before the household, both during the
	// second half of the household's run, and the relay after recovery.
	RelayBeforeBps, RelayDuringBps, HouseholdBps, RelayAfterBps int64
	// Log is the run's timeline, for people reading a failure.
	Log string
}

func (c Config) withDefaults() Config {
	if c.LinkMbit == 0 {
		c.LinkMbit = 40
	}
	if c.HouseholdPct == 0 {
		c.HouseholdPct = 50
	}
	if c.Household == 0 {
		c.Household = 8 * time.Second
	}
	if c.Warmup == 0 {
		c.Warmup = 30 * time.Second
	}
	if c.Recovery == 0 {
		c.Recovery = 20 * time.Second
	}
	return c
}

// Available returns nil when Run can work here, or an error wrapping
// ErrUnavailable that says why not.
func Available(cfg Config) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: needs root", ErrUnavailable)
	}
	for _, tool := range []string{"ip", "tc"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%w: %s not found (Debian package iproute2)", ErrUnavailable, tool)
		}
	}
	if cfg.Exe == "" && !hooked.Load() {
		return fmt.Errorf("%w: this binary does not call yieldlab.Hook", ErrUnavailable)
	}
	return nil
}

// Run builds the lab, runs the scenario and tears the lab down.
func Run(ctx context.Context, cfg Config, log *zap.Logger) (Result, error) {
	cfg = cfg.withDefaults()
	if err := Available(cfg); err != nil {
		return Result{}, err
	}
	exe := cfg.Exe
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return Result{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
	}
	l, err := newLab(ctx, cfg.LinkMbit)
	if err != nil {
		return Result{}, fmt.Errorf("build lab: %w", err)
	}
	defer l.close()
	s := &scenario{cfg: cfg, lab: l, exe: exe, log: log, tl: &timeline{}, start: time.Now()}
	err = s.run(ctx)
	s.r.Log = s.tl.format(s.start)
	return s.r, err
}
