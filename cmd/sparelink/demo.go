package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/sparelink/sparelink/internal/cli"
	"github.com/sparelink/sparelink/internal/demo"
)

func demoCommand(common *cli.Common) *cobra.Command {
	var cfg demo.Config
	var asJSON, keep bool
	var downMiB, upMiB int
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole market on this machine and print a statement",
		Long: `demo starts a broker on an embedded SQLite store, three agents with QUIC
exits run by three operators in three countries, an origin server, a buyer
with a lease and the buyer's gateway, all on loopback. It sends traffic
through the gateway, settles the exits' signed receipts and prints a
statement read back from the ledger.

With --keep-running everything stays up until Ctrl-C, so you can use the
gateway and the API by hand; with --json the first line of output is a JSON
object with the addresses and keys.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// The demo reports progress itself; logs are for trouble.
			if !cmd.Flags().Changed("log-level") {
				common.Log.Level = "warn"
			}
			log, err := common.Setup(cmd)
			if err != nil {
				return err
			}
			defer log.Sync()
			cfg.DownloadBytes, cfg.UploadBytes = downMiB<<20, upMiB<<20
			cfg.Progress = os.Stderr
			ctx, stop := cli.SignalContext()
			defer stop()
			return runDemo(ctx, cfg, asJSON, keep, log)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "print JSON instead of tables")
	f.BoolVar(&keep, "keep-running", false, "leave the market running until interrupted")
	f.StringVar(&cfg.DataDir, "data-dir", "", "keep the demo's data here (default: a temporary directory, removed at exit)")
	f.IntVar(&downMiB, "download", 4, "MiB to download through the gateway")
	f.IntVar(&upMiB, "upload", 2, "MiB to upload through the gateway")
	return cmd
}

func runDemo(ctx context.Context, cfg demo.Config, asJSON, keep bool, log *zap.Logger) error {
	m, err := demo.Start(ctx, cfg, log)
	defer func() {
		if cerr := m.Close(); cerr != nil {
			log.Warn("demo shutdown", zap.Error(cerr))
		}
	}()
	if err != nil {
		return err
	}
	out := json.NewEncoder(os.Stdout)
	if keep {
		if asJSON {
			if err := out.Encode(m.Info()); err != nil {
				return err
			}
		} else {
			printInfo(m.Info())
		}
	}
	if _, err := m.RunTraffic(ctx); err != nil {
		return err
	}
	// A market kept running keeps its lease open for use by hand.
	if err := m.Settle(ctx, !keep); err != nil {
		return err
	}
	st, err := m.Statement(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		err = out.Encode(st)
	} else {
		st.Print(os.Stdout)
	}
	if err != nil {
		return err
	}
	if !st.LedgerBalanced {
		return fmt.Errorf("the ledger does not balance")
	}
	if keep {
		if !asJSON {
			fmt.Println("\nThe market keeps running; press Ctrl-C to stop it.")
		}
		<-ctx.Done()
	}
	return nil
}

func printInfo(info demo.Info) {
	fmt.Printf("SpareLink demo market\n\n")
	fmt.Printf("broker        %s\nadmin key     %s\nbuyer key     %s\noperator key  %s\n",
		info.BrokerURL, info.AdminKey, info.BuyerKey, info.OperatorKey)
	fmt.Printf("lease         %s\norigin        %s\n", info.LeaseID, info.OriginURL)
	fmt.Printf("gateway       %s and %s\n\n", info.GatewaySOCKS5, info.GatewayHTTP)
	for _, a := range info.Agents {
		fmt.Printf("agent %s  %-16s %-26s exit %s\n", a.NodeID, a.Operator, a.Region, a.ExitAddr)
	}
	fmt.Printf("\nTry:  curl -x %s %s\n", info.GatewaySOCKS5, info.OriginURL)
}
