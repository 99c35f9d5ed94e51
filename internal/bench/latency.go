package bench

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"
)

const (
	// pingSize is the request and the response of a latency sample: a
	// small message, as in an RPC or a TLS record carrying a keystroke.
	pingSize = 64
	// warmups are round trips made before sampling, so that connection
	// setup and congestion-window growth are not counted.
	warmups = 100
)

// latency is the distribution of round trips over one path.
type latency struct {
	p50, p99 time.Duration
}

// measureLatency opens one connection to the echo server with d and times
// n round trips of pingSize bytes over it.
func (e *env) measureLatency(ctx context.Context, d dial, n int) (latency, error) {
	c, err := d(ctx, e.echo.Addr().String())
	if err != nil {
		return latency{}, err
	}
	defer c.Close()
	if _, err := roundTrips(c, warmups); err != nil {
		return latency{}, err
	}
	samples, err := roundTrips(c, n)
	if err != nil {
		return latency{}, err
	}
	slices.Sort(samples)
	return latency{p50: percentile(samples, 50), p99: percentile(samples, 99)}, nil
}

// roundTrips sends n messages one at a time, each after the previous
// answer, and returns how long each took.
func roundTrips(rw io.ReadWriter, n int) ([]time.Duration, error) {
	msg := make([]byte, pingSize)
	got := make([]byte, pingSize)
	samples := make([]time.Duration, 0, n)
	for i := range n {
		start := time.Now()
		if _, err := rw.Write(msg); err != nil {
			return nil, fmt.Errorf("round trip %d: %w", i, err)
		}
		if _, err := io.ReadFull(rw, got); err != nil {
			return nil, fmt.Errorf("round trip %d: %w", i, err)
		}
		samples = append(samples, time.Since(start))
	}
	return samples, nil
}

// percentile returns the nearest-rank p-th percentile of sorted samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted)) + 0.5)
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// latencyResults compares the exit's round trips with direct TCP's.
func latencyResults(direct, exit latency) []Result {
	us := func(d time.Duration) float64 { return round(float64(d) / float64(time.Microsecond)) }
	ratio := func(a, b time.Duration) float64 {
		if b <= 0 {
			return 0
		}
		return round(float64(a) / float64(b))
	}
	return []Result{
		{Name: "tcp_rtt_p50", Value: us(direct.p50), Unit: "µs"},
		{Name: "tcp_rtt_p99", Value: us(direct.p99), Unit: "µs"},
		{Name: "exit_rtt_p50", Value: us(exit.p50), Unit: "µs", Baseline: "tcp_rtt_p50", Ratio: ratio(exit.p50, direct.p50)},
		{Name: "exit_rtt_p99", Value: us(exit.p99), Unit: "µs", Baseline: "tcp_rtt_p99", Ratio: ratio(exit.p99, direct.p99)},
		{Name: "exit_added_latency_p50", Value: us(exit.p50 - direct.p50), Unit: "µs"},
		{Name: "exit_added_latency_p99", Value: us(exit.p99 - direct.p99), Unit: "µs"},
	}
}
