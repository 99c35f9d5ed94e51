// Package sim is a deterministic simulation of the market's money path:
// broker replicas on one store, each on a fake clock skewed from the
// others, many operators, nodes and buyers, nodes that come and go, and a
// network that drops, duplicates, delays and reorders receipts. One seed
// fixes every choice, so a failing seed replays the same run step for
// step. After each step it checks the invariants the ledger promises:
// every transaction balances, no balance is negative, settled bytes never
// exceed what the exits reported, each (lease, node, seq) takes effect at
// most once, and every buyer's money adds up.
//
// The simulation drives real brokers (package broker) over a real SQLite
// store, through the Go SDK, with requests served in-process (no sockets):
// only the clock and the network are simulated. It is for tests and soak
// runs; it is not a load generator (see internal/bench).
package sim

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
)

// Config shapes one run. The zero value of each field is its documented
// default; rates are per cent, and a negative rate turns the fault off.
type Config struct {
	Seed uint64
	// Dir holds the run's SQLite file. Required.
	Dir string
	// Steps is how many actions the run takes; zero: 1000.
	Steps int
	// Replicas is the number of brokers sharing the store; zero: 2.
	Replicas int
	// Operators, Nodes and Buyers size the market; zero: 3, 12 and 6.
	Operators, Nodes, Buyers int
	// DropPct, DupPct and ReorderPct are the chances that the network
	// drops, duplicates, or holds back and reorders one receipt; zero: 10,
	// 10 and 20.
	DropPct, DupPct, ReorderPct int
	// NodeSkew bounds each node's clock offset, which receipts carry;
	// zero: 10m.
	NodeSkew time.Duration
	// ReplicaSkew bounds each broker replica's clock offset; zero: 3s.
	ReplicaSkew time.Duration
	// CheckEvery is how many steps pass between full audits (every buyer,
	// every operator, the whole ledger); zero: 25. Touched leases and
	// buyers are checked after every step.
	CheckEvery int
}

func (c Config) withDefaults() Config {
	c.Steps = or(c.Steps, 1000)
	c.Replicas = or(c.Replicas, 2)
	c.Operators, c.Nodes, c.Buyers = or(c.Operators, 3), or(c.Nodes, 12), or(c.Buyers, 6)
	c.DropPct, c.DupPct, c.ReorderPct = or(c.DropPct, 10), or(c.DupPct, 10), or(c.ReorderPct, 20)
	c.NodeSkew = or(c.NodeSkew, 10*time.Minute)
	c.ReplicaSkew = or(c.ReplicaSkew, 3*time.Second)
	c.CheckEvery = or(c.CheckEvery, 25)
	return c
}

func or[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// Result says what a run did. Trace is a digest of every action and
// outcome in order: two runs of one seed have the same Trace.
type Result struct {
	Steps                              int
	Leases, Refused, Closed, Exhausted int
	Receipts, Applied, Replayed        int
	Dropped, Duplicated, Reordered     int
	Churned                            int
	Trace                              string
}

// ErrInvariant marks a broken invariant; the error says which, at which
// step of which seed.
var ErrInvariant = errors.New("invariant broken")

// Violation is a broken invariant with what it takes to replay it.
type Violation struct {
	Seed   uint64
	Step   int
	Action string
	Err    error
}

func (v *Violation) Error() string {
	return fmt.Sprintf("seed %d, step %d (%s): %v", v.Seed, v.Step, v.Action, v.Err)
}

func (v *Violation) Unwrap() error { return v.Err }

// Run plays one simulation. A broken invariant is a *Violation wrapping
// ErrInvariant; other errors mean the run could not be set up or a
// request failed in a way the simulation does not model.
func Run(ctx context.Context, cfg Config, log *zap.Logger) (Result, error) {
	if cfg.Dir == "" {
		return Result{}, errors.New("sim: Config.Dir is required")
	}
	w, err := newWorld(ctx, cfg.withDefaults(), log)
	if err != nil {
		return Result{}, fmt.Errorf("sim: set up: %w", err)
	}
	defer w.close()
	return w.run(ctx)
}
