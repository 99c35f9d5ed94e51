package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"go.uber.org/zap"
	"golang.org/x/net/proxy"
)

// gatewayResults compares the gateway and its exit with a stock
// single-hop SOCKS5 proxy (microsocks) taken in the same run, by
// throughput and round trips, and measures how fast a sticky session
// leaves an exit whose link died.
func (e *env) gatewayResults(ctx context.Context, cfg Config, direct latency, results []Result, log *zap.Logger) ([]Result, error) {
	gw, err := e.measureLatency(ctx, e.dialSOCKS, cfg.RoundTrips)
	if err != nil {
		return nil, fmt.Errorf("gateway latency: %w", err)
	}
	out := []Result{
		{Name: "gateway_rtt_p50", Value: micros(gw.p50), Unit: "µs", Baseline: "tcp_rtt_p50", Ratio: ratio(gw.p50, direct.p50)},
		{Name: "gateway_rtt_p99", Value: micros(gw.p99), Unit: "µs", Baseline: "tcp_rtt_p99", Ratio: ratio(gw.p99, direct.p99)},
	}
	stock, err := e.microsocksResults(ctx, cfg, direct, gw, results)
	if err != nil {
		return nil, err
	}
	out = append(out, stock...)
	fo, err := measureFailover(ctx, e, log.Named("failover"))
	if err != nil {
		return nil, fmt.Errorf("gateway failover: %w", err)
	}
	return append(out, Result{Name: "gateway_failover", Value: round(float64(fo.Microseconds()) / 1000), Unit: "ms"}), nil
}

// microsocksResults measures microsocks, or returns rows saying it was
// skipped when it is not installed.
func (e *env) microsocksResults(ctx context.Context, cfg Config, direct, gw latency, results []Result) ([]Result, error) {
	m, err := startMicrosocks(ctx)
	if errors.Is(err, errNoMicrosocks) {
		var skipped []Result
		for _, n := range []string{"socks5_microsocks", "gateway_vs_microsocks", "microsocks_rtt_p50", "microsocks_rtt_p99", "gateway_vs_microsocks_rtt_p50"} {
			skipped = append(skipped, Result{Name: n, Unit: MicrosocksSkipped})
		}
		return skipped, nil
	}
	if err != nil {
		return nil, err
	}
	defer m.close()
	dial := dialVia(m.addr)
	ms := []measurement{{name: "socks5_microsocks", baseline: "tcp_loopback", run: e.viaConn(dial)}}
	best, err := bestOf(ctx, ms, cfg)
	if err != nil {
		return nil, err
	}
	tput := throughputResults(ms, best, cfg.Bytes)[0]
	tput.Ratio = round(tput.Value / find(results, "tcp_loopback").Value)
	lat, err := e.measureLatency(ctx, dial, cfg.RoundTrips)
	if err != nil {
		return nil, fmt.Errorf("microsocks latency: %w", err)
	}
	gwTput := find(results, "gateway_socks5_exit").Value
	return []Result{
		tput,
		{Name: "gateway_vs_microsocks", Value: round(gwTput / tput.Value), Unit: "ratio", Baseline: "socks5_microsocks", Ratio: round(gwTput / tput.Value)},
		{Name: "microsocks_rtt_p50", Value: micros(lat.p50), Unit: "µs", Baseline: "tcp_rtt_p50", Ratio: ratio(lat.p50, direct.p50)},
		{Name: "microsocks_rtt_p99", Value: micros(lat.p99), Unit: "µs", Baseline: "tcp_rtt_p99", Ratio: ratio(lat.p99, direct.p99)},
		{Name: "gateway_vs_microsocks_rtt_p50", Value: ratio(gw.p50, lat.p50), Unit: "ratio", Baseline: "microsocks_rtt_p50", Ratio: ratio(gw.p50, lat.p50)},
	}, nil
}

// dialVia dials through the SOCKS5 proxy at addr, with user as the
// username when not empty.
func dialVia(addr string) dial {
	return dialSession(addr, "")
}

func dialSession(addr, user string) dial {
	return func(ctx context.Context, address string) (net.Conn, error) {
		var auth *proxy.Auth
		if user != "" {
			auth = &proxy.Auth{User: user, Password: "x"}
		}
		d, err := proxy.SOCKS5("tcp", addr, auth, proxy.Direct)
		if err != nil {
			return nil, err
		}
		return d.(proxy.ContextDialer).DialContext(ctx, "tcp", address)
	}
}

func micros(d time.Duration) float64 { return round(float64(d) / float64(time.Microsecond)) }

func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return round(float64(a) / float64(b))
}
