// Package footprint measures what the agent costs the small routers it
// runs on: the size of its stripped binary for the architectures routers
// use, its memory and CPU while idle against a broker, and how quickly its
// relay gives way to household traffic on a shaped link (root only, via
// agent/yield/yieldlab). Every size and idle figure comes with a baseline
// measured the same way in the same run: a Go program that only sleeps.
//
// cmd/sparelink-bench adds these rows to its table; they do not measure
// throughput, which internal/bench does.
package footprint

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/agent/yield/yieldlab"
)

// Row is one figure. Its fields are those of bench.Result, so a row
// converts with bench.Result(row). Ratio is Value over the baseline's
// value, zero when there is no baseline.
type Row struct {
	Name     string  `json:"name"`
	Value    float64 `json:"value"`
	Unit     string  `json:"unit"`
	Baseline string  `json:"baseline"`
	Ratio    float64 `json:"ratio"`
}

// Target is a platform to build for.
type Target struct {
	GOOS, GOARCH string
	GOARM        string // for arm: "7"
	GOMIPS       string // for mips and mipsle: "softfloat"
}

// Name is how rows name the target, e.g. linux_arm_v7.
func (t Target) Name() string {
	n := t.GOOS + "_" + t.GOARCH
	if t.GOARM != "" {
		n += "_v" + t.GOARM
	}
	if t.GOMIPS != "" {
		n += "_" + t.GOMIPS
	}
	return n
}

// DefaultTargets are the router platforms the agent ships for.
var DefaultTargets = []Target{
	{GOOS: "linux", GOARCH: "amd64"},
	{GOOS: "linux", GOARCH: "arm64"},
	{GOOS: "linux", GOARCH: "arm", GOARM: "7"},
	{GOOS: "linux", GOARCH: "mipsle", GOMIPS: "softfloat"},
}

// Config chooses what to measure. The zero value measures everything for
// ./cmd/sparelink-agent of the module in the working directory, with a
// ten-second idle window.
type Config struct {
	// ModuleDir is the module's root; empty means the directory `go env
	// GOMOD` names from the working directory.
	ModuleDir string
	// Package is the agent's main package, relative to ModuleDir.
	Package string
	// Targets to build; nil means DefaultTargets.
	Targets []Target
	// Idle is how long the idle agent is watched after it settled.
	Idle time.Duration
	// Go is the go command; empty means "go" from PATH.
	Go string
	// AgentArgs replace the agent's flags after --data-dir and --broker;
	// nil means a residential node in DE listening on loopback.
	AgentArgs []string
	// SkipSizes, SkipIdle and SkipYield leave measurements out.
	SkipSizes, SkipIdle, SkipYield bool
	// Yield configures the namespace scenario.
	Yield yieldlab.Config
}

func (c Config) withDefaults(ctx context.Context) (Config, error) {
	if c.Go == "" {
		c.Go = "go"
	}
	if c.Package == "" {
		c.Package = "./cmd/sparelink-agent"
	}
	if c.Targets == nil {
		c.Targets = DefaultTargets
	}
	if c.Idle <= 0 {
		c.Idle = 10 * time.Second
	}
	if c.AgentArgs == nil {
		c.AgentArgs = []string{"--country", "DE", "--listen", "127.0.0.1:0", "--log-level", "warn"}
	}
	if c.ModuleDir == "" {
		dir, err := moduleDir(ctx, c.Go)
		if err != nil {
			return c, err
		}
		c.ModuleDir = dir
	}
	return c, nil
}

// Measure takes every measurement cfg asks for and returns the rows in
// order. The yield figures are left out, with a log line saying why, when
// the namespace lab cannot run here (not root, no iproute2, or a binary
// that does not call yieldlab.Hook).
func Measure(ctx context.Context, cfg Config, log *zap.Logger) ([]Row, error) {
	cfg, err := cfg.withDefaults(ctx)
	if err != nil {
		return nil, err
	}
	tmp, err := newWorkDir()
	if err != nil {
		return nil, err
	}
	defer tmp.remove()
	var rows []Row
	if !cfg.SkipSizes {
		r, err := measureSizes(ctx, cfg, tmp, log)
		rows = append(rows, r...)
		if err != nil {
			return rows, fmt.Errorf("binary sizes: %w", err)
		}
	}
	if !cfg.SkipIdle {
		r, err := measureIdle(ctx, cfg, tmp, log)
		rows = append(rows, r...)
		if err != nil {
			return rows, fmt.Errorf("idle agent: %w", err)
		}
	}
	if !cfg.SkipYield {
		r, err := measureYield(ctx, cfg, log)
		rows = append(rows, r...)
		if err != nil {
			return rows, fmt.Errorf("yield: %w", err)
		}
	}
	return rows, nil
}

// row builds a row with its ratio to base (nil: no baseline).
func row(name string, value float64, unit string, base *Row) Row {
	r := Row{Name: name, Value: round(value), Unit: unit}
	if base != nil {
		r.Baseline = base.Name
		if base.Value > 0 {
			r.Ratio = round(value / base.Value)
		}
	}
	return r
}

func round(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }
