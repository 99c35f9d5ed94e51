// Package bench measures SpareLink's data path against baselines taken in
// the same run on the same machine: raw loopback TCP and a raw quic-go
// stream. Each figure is reported with the ratio to its baseline, so the
// numbers mean something on any machine. cmd/sparelink-bench prints them as
// a table and writes them to bench-results.json.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"go.uber.org/zap"
)

// Result is one figure. Baseline names the result it is compared with;
// Ratio is Value divided by the baseline's value (0 for baselines).
type Result struct {
	Name     string  `json:"name"`
	Value    float64 `json:"value"`
	Unit     string  `json:"unit"`
	Baseline string  `json:"baseline"`
	Ratio    float64 `json:"ratio"`
}

// Config sizes the run. The zero value moves 64 MiB per measurement and
// keeps the best of 3 rounds.
type Config struct {
	Bytes  int64
	Rounds int
}

// measurement runs one transfer of n bytes and returns how long it took.
type measurement struct {
	name     string
	baseline string
	run      func(ctx context.Context, n int64) (time.Duration, error)
}

// Run takes every measurement and returns the results in order.
func Run(ctx context.Context, cfg Config, log *zap.Logger) ([]Result, error) {
	if cfg.Bytes == 0 {
		cfg.Bytes = 64 << 20
	}
	if cfg.Rounds == 0 {
		cfg.Rounds = 3
	}
	env, err := newEnv(ctx, log)
	if err != nil {
		return nil, err
	}
	defer env.close()
	var results []Result
	byName := map[string]float64{}
	for _, m := range env.measurements() {
		best, err := bestOf(ctx, m, cfg)
		if err != nil {
			return results, fmt.Errorf("%s: %w", m.name, err)
		}
		mbps := float64(cfg.Bytes) / best.Seconds() / 1e6
		r := Result{Name: m.name, Value: round(mbps), Unit: "MB/s", Baseline: m.baseline}
		if base, ok := byName[m.baseline]; ok && base > 0 {
			r.Ratio = round(mbps / base)
		}
		byName[m.name] = mbps
		results = append(results, r)
		log.Info("measured", zap.String("name", m.name), zap.Float64("MB/s", r.Value))
	}
	return results, nil
}

func bestOf(ctx context.Context, m measurement, cfg Config) (time.Duration, error) {
	var best time.Duration
	for range cfg.Rounds {
		d, err := m.run(ctx, cfg.Bytes)
		if err != nil {
			return 0, err
		}
		if best == 0 || d < best {
			best = d
		}
	}
	return best, nil
}

func round(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }

// PrintTable writes results for people.
func PrintTable(w io.Writer, results []Result) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "measurement\tvalue\tunit\tbaseline\tratio")
	for _, r := range results {
		ratio, base := "-", "-"
		if r.Baseline != "" {
			base = r.Baseline
			ratio = fmt.Sprintf("%.2f", r.Ratio)
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%s\t%s\t%s\n", r.Name, r.Value, r.Unit, base, ratio)
	}
	tw.Flush()
}

// WriteJSON writes results as a JSON array to path.
func WriteJSON(path string, results []Result) error {
	data, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}
