// Command sparelink-bench measures throughput through SpareLink's exit and
// gateway against raw loopback TCP and raw quic-go on the same machine, and
// prints a table. `make bench` runs it.
package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/sparelink/sparelink/agent/yield/yieldlab"
	"github.com/sparelink/sparelink/internal/bench"
	"github.com/sparelink/sparelink/internal/cli"
	"github.com/sparelink/sparelink/internal/footprint"
)

func main() {
	// The good-neighbour scenario re-runs this binary inside network
	// namespaces; Hook takes over when it is such a helper process.
	yieldlab.Hook()
	var common cli.Common
	var cfg bench.Config
	var out string
	var mib int64
	cmd := cli.NewRoot("sparelink-bench", "Measure SpareLink throughput against raw baselines",
		`sparelink-bench moves data through loopback TCP, a raw quic-go stream, the
QUIC exit (HTTP/3 CONNECT) and the gateway (SOCKS5 through the exit), keeps
the best of several rounds, prints a table with each figure's ratio to its
baseline and writes the results as a JSON array. It also reports the agent's
footprint (binary sizes per router architecture, idle RSS and CPU) and,
when run as root, how fast relay traffic yields to household traffic on a
shaped link between network namespaces.`, &common)
	f := cmd.Flags()
	f.StringVar(&out, "out", "bench-results.json", "JSON results file (empty: none)")
	f.Int64Var(&mib, "mib", 64, "MiB moved per measurement")
	f.IntVar(&cfg.Rounds, "rounds", 3, "rounds per measurement; the best counts")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		log, err := common.Setup(cmd)
		if err != nil {
			return err
		}
		defer log.Sync()
		cfg.Bytes = mib << 20
		ctx, stop := cli.SignalContext()
		defer stop()
		results, err := bench.Run(ctx, cfg, log)
		if err != nil {
			return err
		}
		rows, err := footprint.Measure(ctx, footprint.Config{}, log)
		if err != nil {
			return err
		}
		for _, r := range rows {
			results = append(results, bench.Result(r))
		}
		bench.PrintTable(os.Stdout, results)
		if out == "" {
			return nil
		}
		return bench.WriteJSON(out, results)
	}
	cli.Main(cmd)
}
