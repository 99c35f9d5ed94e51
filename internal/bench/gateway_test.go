package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/internal/testenv"
)

// gatewayRows are the rows gatewayResults adds, in order.
var gatewayRows = []struct{ name, unit, baseline string }{
	{"gateway_rtt_p50", "µs", "tcp_rtt_p50"},
	{"gateway_rtt_p99", "µs", "tcp_rtt_p99"},
	{"socks5_microsocks", "MB/s", "tcp_loopback"},
	{"gateway_vs_microsocks", "ratio", "socks5_microsocks"},
	{"microsocks_rtt_p50", "µs", "tcp_rtt_p50"},
	{"microsocks_rtt_p99", "µs", "tcp_rtt_p99"},
	{"gateway_vs_microsocks_rtt_p50", "ratio", "microsocks_rtt_p50"},
	{"gateway_failover", "ms", ""},
}

// TestGatewayAgainstMicrosocks runs the gateway rows with the stock proxy
// installed, as CI does, and checks that every figure was taken and that
// failover stays within the gateway's 3s bound.
func TestGatewayAgainstMicrosocks(t *testing.T) {
	testenv.NeedTool(t, "microsocks")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	log := zaptest.NewLogger(t)
	e, err := newEnv(log)
	if err != nil {
		t.Fatal(err)
	}
	defer e.close()
	cfg := Config{Bytes: 1 << 20, Rounds: 1, RoundTrips: 50}.withDefaults()
	direct, err := e.measureLatency(ctx, e.dialDirect, cfg.RoundTrips)
	if err != nil {
		t.Fatal(err)
	}
	base := []Result{{Name: "tcp_loopback", Value: 1000, Unit: "MB/s"}, {Name: "gateway_socks5_exit", Value: 100, Unit: "MB/s"}}
	rows, err := e.gatewayResults(ctx, cfg, direct, base, log)
	if err != nil {
		t.Fatalf("gatewayResults: %v", err)
	}
	if len(rows) != len(gatewayRows) {
		t.Fatalf("got %d rows, want %d: %+v", len(rows), len(gatewayRows), rows)
	}
	for i, w := range gatewayRows {
		r := rows[i]
		if r.Name != w.name || r.Unit != w.unit || r.Baseline != w.baseline || r.Value <= 0 {
			t.Errorf("row %d: got %+v, want %s in %s against %q with a positive value", i, r, w.name, w.unit, w.baseline)
		}
	}
	if fo := rows[len(rows)-1]; fo.Value > 3000 {
		t.Errorf("gateway_failover: got %vms, want at most 3000ms", fo.Value)
	}
	var out bytes.Buffer
	PrintTable(&out, []Result{{Name: "socks5_microsocks", Unit: MicrosocksSkipped}})
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if f := strings.Fields(lines[len(lines)-1]); len(f) < 3 || f[0] != "socks5_microsocks" || f[1] != "-" || !strings.Contains(out.String(), MicrosocksSkipped) {
		t.Errorf("a skipped row prints as %q, want its note", out.String())
	}
}
