// Package bench measures SpareLink's data path against baselines taken in
// the same run on the same machine: raw loopback TCP and a raw quic-go
// stream for throughput, a direct TCP connection for latency. Each figure
// is reported with the ratio to its baseline, so the numbers mean
// something on any machine. cmd/sparelink-bench prints them as a table
// and writes them to bench-results.json.
//
// It is not a load test: every figure is one connection on loopback.
package bench

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"
)

// Result is one figure. Baseline names the result it is compared with;
// Ratio is Value divided by the baseline's value (0 for baselines). A
// figure that was not taken has a Unit starting with "skipped: " and
// saying why.
type Result struct {
	Name     string  `json:"name"`
	Value    float64 `json:"value"`
	Unit     string  `json:"unit"`
	Baseline string  `json:"baseline"`
	Ratio    float64 `json:"ratio"`
}

// Config sizes the run. The zero value moves 64 MiB per throughput
// measurement, keeps the best of 3 rounds, and takes latency over 2,000
// round trips per path.
type Config struct {
	Bytes      int64
	Rounds     int
	RoundTrips int
}

func (c Config) withDefaults() Config {
	if c.Bytes <= 0 {
		c.Bytes = 64 << 20
	}
	if c.Rounds <= 0 {
		c.Rounds = 3
	}
	if c.RoundTrips <= 0 {
		c.RoundTrips = 2000
	}
	return c
}

// Run takes every measurement and returns the results: throughputs,
// what metering costs, latencies, then the gateway against a stock SOCKS5
// proxy and its failover time.
func Run(ctx context.Context, cfg Config, log *zap.Logger) ([]Result, error) {
	cfg = cfg.withDefaults()
	env, err := newEnv(log)
	if err != nil {
		return nil, fmt.Errorf("start benchmark environment: %w", err)
	}
	defer env.close()
	ms := env.throughputs()
	best, err := bestOf(ctx, ms, cfg)
	if err != nil {
		return nil, err
	}
	results := throughputResults(ms, best, cfg.Bytes)
	results = append(results, meteringResult(results))
	direct, err := env.measureLatency(ctx, env.dialDirect, cfg.RoundTrips)
	if err != nil {
		return results, fmt.Errorf("tcp latency: %w", err)
	}
	exit, err := env.measureLatency(ctx, env.dialExit(env.exit), cfg.RoundTrips)
	if err != nil {
		return results, fmt.Errorf("exit latency: %w", err)
	}
	results = append(results, latencyResults(direct, exit)...)
	gw, err := env.gatewayResults(ctx, cfg, direct, results, log)
	if err != nil {
		return results, err
	}
	results = append(results, gw...)
	for _, r := range results {
		log.Info("measured", zap.String("name", r.Name), zap.Float64(r.Unit, r.Value))
	}
	return results, nil
}

// bestOf runs every measurement once per round, rounds one after the
// other so that a slow spell of a shared machine hits all figures alike,
// and keeps each one's fastest time.
func bestOf(ctx context.Context, ms []measurement, cfg Config) ([]time.Duration, error) {
	best := make([]time.Duration, len(ms))
	for range cfg.Rounds {
		for i, m := range ms {
			d, err := m.run(ctx, cfg.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", m.name, err)
			}
			if best[i] == 0 || d < best[i] {
				best[i] = d
			}
		}
	}
	return best, nil
}

// throughputResults turns the best times into MB/s and ratios.
func throughputResults(ms []measurement, best []time.Duration, bytes int64) []Result {
	byName := map[string]float64{}
	results := make([]Result, 0, len(ms))
	for i, m := range ms {
		mbps := float64(bytes) / best[i].Seconds() / 1e6
		r := Result{Name: m.name, Value: round(mbps), Unit: "MB/s", Baseline: m.baseline}
		if base := byName[m.baseline]; base > 0 {
			r.Ratio = round(mbps / base)
		}
		byName[m.name] = mbps
		results = append(results, r)
	}
	return results
}

// meteringResult is the metered exit's throughput over the unmetered
// build's: 1 means counting costs nothing measurable.
func meteringResult(results []Result) Result {
	on, off := find(results, "exit_connect"), find(results, "exit_connect_unmetered")
	r := Result{Name: "metering_on_vs_off", Unit: "ratio", Baseline: "exit_connect_unmetered"}
	if off.Value > 0 {
		r.Value = round(on.Value / off.Value)
		r.Ratio = r.Value
	}
	return r
}

// find returns the result called name, or a zero Result.
func find(results []Result, name string) Result {
	for _, r := range results {
		if r.Name == name {
			return r
		}
	}
	return Result{}
}

func round(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }
