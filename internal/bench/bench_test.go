package bench

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
)

// TestRun takes every figure with small sizes and checks that each is
// there, positive where it must be, and compared with the right baseline.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	results, err := Run(ctx, Config{Bytes: 1 << 20, Rounds: 1, RoundTrips: 50}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := []struct{ name, unit, baseline string }{
		{"tcp_loopback", "MB/s", ""},
		{"quic_raw_stream", "MB/s", ""},
		{"exit_connect", "MB/s", "quic_raw_stream"},
		{"exit_connect_unmetered", "MB/s", "quic_raw_stream"},
		{"gateway_socks5_exit", "MB/s", "quic_raw_stream"},
		{"metering_on_vs_off", "ratio", "exit_connect_unmetered"},
		{"tcp_rtt_p50", "µs", ""},
		{"tcp_rtt_p99", "µs", ""},
		{"exit_rtt_p50", "µs", "tcp_rtt_p50"},
		{"exit_rtt_p99", "µs", "tcp_rtt_p99"},
		{"exit_added_latency_p50", "µs", ""},
		{"exit_added_latency_p99", "µs", ""},
	}
	want = append(want, gatewayRows...)
	if len(results) != len(want) {
		t.Fatalf("got %d results, want %d: %+v", len(results), len(want), results)
	}
	_, noMicrosocks := exec.LookPath("microsocks")
	for i, w := range want {
		r := results[i]
		if noMicrosocks != nil && strings.Contains(r.Name, "microsocks") {
			if r.Name != w.name || r.Unit != MicrosocksSkipped {
				t.Errorf("result %d: got %s in %q, want %s in %q", i, r.Name, r.Unit, w.name, MicrosocksSkipped)
			}
			continue
		}
		if r.Name != w.name || r.Unit != w.unit || r.Baseline != w.baseline {
			t.Errorf("result %d: got %s in %s against %q, want %s in %s against %q", i, r.Name, r.Unit, r.Baseline, w.name, w.unit, w.baseline)
		}
		if !strings.HasPrefix(r.Name, "exit_added") && r.Value <= 0 {
			t.Errorf("%s: got %v, want a positive value", r.Name, r.Value)
		}
		if w.baseline != "" && r.Ratio <= 0 {
			t.Errorf("%s: got ratio %v, want a positive ratio", r.Name, r.Ratio)
		}
	}
	var out bytes.Buffer
	PrintTable(&out, results)
	if !strings.Contains(out.String(), "target: exit_connect >= 85% of quic_raw_stream") {
		t.Errorf("table lacks the target line:\n%s", out.String())
	}
}

func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Microsecond
	}
	tests := []struct {
		name    string
		samples []time.Duration
		p       float64
		want    time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one sample", []time.Duration{7}, 99, 7},
		{"median of 100", hundred, 50, 50 * time.Microsecond},
		{"p99 of 100", hundred, 99, 99 * time.Microsecond},
		{"p100 of 100", hundred, 100, 100 * time.Microsecond},
		{"p0 is the least", hundred, 0, time.Microsecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.samples, tt.p); got != tt.want {
				t.Errorf("percentile(p%v): got %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestTargetLine(t *testing.T) {
	tests := []struct {
		name    string
		results []Result
		want    string // empty: no line
	}{
		{"met", []Result{{Name: "exit_connect", Baseline: "quic_raw_stream", Ratio: 0.91}}, "met (91%)"},
		{"exactly met", []Result{{Name: "exit_connect", Baseline: "quic_raw_stream", Ratio: 0.85}}, "met (85%)"},
		{"missed", []Result{{Name: "exit_connect", Baseline: "quic_raw_stream", Ratio: 0.60}}, "NOT met (60%)"},
		{"no exit figure", []Result{{Name: "tcp_loopback"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, ok := targetLine(tt.results)
			if ok != (tt.want != "") || !strings.HasSuffix(line, tt.want) {
				t.Errorf("targetLine: got %q (%v), want suffix %q", line, ok, tt.want)
			}
		})
	}
}
