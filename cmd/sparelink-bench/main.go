// Command sparelink-bench measures throughput through SpareLink's exit and
// gateway against raw loopback TCP and raw quic-go on the same machine,
// the broker's API on SQLite and PostgreSQL, and prints a table. `make
// bench` runs it.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/sparelink/sparelink/agent/yield/yieldlab"
	"github.com/sparelink/sparelink/internal/bench"
	"github.com/sparelink/sparelink/internal/cli"
	"github.com/sparelink/sparelink/internal/footprint"
	"github.com/sparelink/sparelink/internal/pgtest"
)

func main() {
	// The good-neighbour scenario re-runs this binary inside network
	// namespaces; Hook takes over when it is such a helper process.
	yieldlab.Hook()
	var common cli.Common
	var cfg bench.Config
	var out string
	var mib int64
	var brokerNodes string
	var replicaNodes int
	cmd := cli.NewRoot("sparelink-bench", "Measure SpareLink throughput against raw baselines",
		`sparelink-bench moves data through loopback TCP, a raw quic-go stream, the
QUIC exit (HTTP/3 CONNECT) and the gateway (SOCKS5 through the exit), keeps
the best of several rounds, prints a table with each figure's ratio to its
baseline and writes the results as a JSON array. As root it compares the
rootless WireGuard exit with a stock wireguard-go tunnel between two network
namespaces. It also reports the agent's footprint (binary sizes per router
architecture, idle RSS and CPU) and,
when run as root, how fast relay traffic yields to household traffic on a
shaped link between network namespaces. Last it measures the broker's API
on loopback with each --broker-nodes market size, on SQLite and on a
throwaway PostgreSQL (left out when its binaries are not installed): lease
creates and heartbeats per second, and quote latency p50 and p99; then
heartbeats and lease creates per second through 1, 2 and 3 broker replicas
sharing one PostgreSQL over a fleet of --replica-nodes nodes.`, &common)
	f := cmd.Flags()
	f.StringVar(&out, "out", "bench-results.json", "JSON results file (empty: none)")
	f.Int64Var(&mib, "mib", 64, "MiB moved per measurement")
	f.IntVar(&cfg.Rounds, "rounds", 3, "rounds per measurement; the best counts")
	f.StringVar(&brokerNodes, "broker-nodes", "10000,100000", "comma-separated market sizes for the broker measurements (empty: none)")
	f.IntVar(&replicaNodes, "replica-nodes", 100_000, "fleet size for the broker replica measurements (0: none)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		log, err := common.Setup(cmd)
		if err != nil {
			return err
		}
		defer log.Sync()
		cfg.Bytes = mib << 20
		nodes, err := bench.ParseNodeCounts(brokerNodes)
		if err != nil {
			return fmt.Errorf("--broker-nodes: %w", err)
		}
		ctx, stop := cli.SignalContext()
		defer stop()
		results, err := bench.Run(ctx, cfg, log)
		if err != nil {
			return err
		}
		wgRows, err := bench.WireGuardRun(ctx, cfg, log)
		if err != nil {
			return err
		}
		results = append(results, wgRows...)
		rows, err := footprint.Measure(ctx, footprint.Config{}, log)
		if err != nil {
			return err
		}
		for _, r := range rows {
			results = append(results, bench.Result(r))
		}
		if len(nodes) > 0 {
			brokerRows, err := bench.BrokerRun(ctx, bench.BrokerConfig{Nodes: nodes}, log)
			if err != nil {
				return err
			}
			results = append(results, brokerRows...)
		}
		if replicaNodes > 0 {
			rows, err := bench.ReplicaRun(ctx, bench.ReplicaConfig{Nodes: replicaNodes}, log)
			switch {
			case errors.Is(err, pgtest.ErrMissing):
				log.Warn("broker replica rows left out", zap.Error(err))
			case err != nil:
				return err
			}
			results = append(results, rows...)
		}
		bench.PrintTable(os.Stdout, results)
		if out == "" {
			return nil
		}
		return bench.WriteJSON(out, results)
	}
	cli.Main(cmd)
}
