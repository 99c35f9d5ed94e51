package sim

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// action is one kind of step with its weight in the mix.
type action struct {
	name   string
	weight int
	do     func(w *world, ctx context.Context) error
}

// actions is the mix of a run. Traffic and uploads dominate, as they do
// in a market; churn and sweeps keep leases and nodes coming and going.
var actions = []action{
	{"churn", 3, (*world).churn},
	{"top-up", 5, (*world).topUp},
	{"lease", 10, (*world).createLease},
	{"traffic", 28, (*world).traffic},
	{"upload", 22, (*world).upload},
	{"close", 5, (*world).closeLease},
	{"sweep", 3, (*world).sweep},
}

// maxTick bounds how far the clock moves between steps.
const maxTick = 4 * time.Second

// run plays the configured number of steps, auditing as it goes.
func (w *world) run(ctx context.Context) (Result, error) {
	total := 0
	for _, a := range actions {
		total += a.weight
	}
	for w.step = 1; w.step <= w.cfg.Steps; w.step++ {
		if err := ctx.Err(); err != nil {
			return w.res, err
		}
		w.now = w.now.Add(time.Duration(w.rng.Int64N(int64(maxTick))))
		if err := w.heartbeats(ctx); err != nil {
			return w.res, fmt.Errorf("sim: seed %d, step %d: %w", w.cfg.Seed, w.step, err)
		}
		a := pick(actions, w.rng.IntN(total))
		if err := w.play(ctx, a); err != nil {
			return w.res, err
		}
	}
	if err := w.audit(ctx); err != nil {
		return w.res, w.violation("final audit", err)
	}
	w.res.Steps, w.res.Trace = w.cfg.Steps, w.digest()
	return w.res, nil
}

func pick(as []action, x int) action {
	for _, a := range as {
		if x < a.weight {
			return a
		}
		x -= a.weight
	}
	return as[len(as)-1]
}

// play runs one action and checks what it touched (and, every
// CheckEvery steps, everything).
func (w *world) play(ctx context.Context, a action) error {
	clear(w.dirty)
	clear(w.dirtyL)
	if err := a.do(w, ctx); err != nil {
		if errors.Is(err, ErrInvariant) {
			return w.violation(a.name, err)
		}
		return fmt.Errorf("sim: seed %d, step %d (%s): %w", w.cfg.Seed, w.step, a.name, err)
	}
	err := w.checkTouched(ctx)
	if err == nil && w.step%w.cfg.CheckEvery == 0 {
		err = w.audit(ctx)
	}
	if err != nil {
		return w.violation(a.name, err)
	}
	return nil
}

func (w *world) violation(action string, err error) error {
	return &Violation{Seed: w.cfg.Seed, Step: w.step, Action: action, Err: err}
}

// broken wraps a finding as an ErrInvariant.
func broken(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvariant, fmt.Sprintf(format, args...))
}
