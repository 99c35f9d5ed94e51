package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sparelink/sparelink/agent"
	"github.com/sparelink/sparelink/agent/owner"
	"github.com/sparelink/sparelink/agent/status"
	"github.com/sparelink/sparelink/internal/cli"
)

// setupRoot loads the configuration into the root command's flags, so
// that a subcommand reads the same config file as the daemon (which sets
// the daemon's flags too, harmlessly).
func setupRoot(cmd *cobra.Command, common *cli.Common) error {
	root := cmd.Root()
	root.LocalFlags() // merges the persistent flags into root.Flags()
	log, err := common.Setup(root)
	if err != nil {
		return err
	}
	_ = log.Sync()
	return nil
}

func pairCommand(common *cli.Common, cfg *agent.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "pair <operator key>",
		Short: "Store an operator key so that the agent runs without it on the command line",
		Long: `pair checks the operator API key with the broker (--broker) and stores it in
the data directory (operator.key, mode 0600). Afterwards 'sparelink-agent'
runs without --operator-key. Create the key in your operator account.

Pairing with a short code shown in the operator's web account needs a broker
endpoint that does not exist yet; until then, paste the key itself.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := setupRoot(cmd, common); err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			bal, err := agent.Pair(ctx, cfg.BrokerURL, cfg.DataDir, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Paired with operator account %s (earned so far: %s).\nStart the agent with 'sparelink-agent --data-dir %s --country <CC>'.\n",
				bal.AccountID, status.Units(bal.EarnedMicros), cfg.DataDir)
			return nil
		},
	}
}

func statusCommand(common *cli.Common, cfg *agent.Config) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show what the running agent is doing",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := dial(cmd, common, cfg)
			if err != nil {
				return err
			}
			st, err := c.Status(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			return status.WriteText(cmd.OutOrStdout(), st)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the status API's JSON")
	return cmd
}

func setCommand(common *cli.Common, cfg *agent.Config) *cobra.Command {
	var b strings.Builder
	for _, name := range owner.Names() {
		fmt.Fprintf(&b, "  %-16s %s\n", name, owner.Help(name))
	}
	return &cobra.Command{
		Use:   "set <setting> <value>",
		Short: "Change an owner setting of the running agent",
		Long: "set changes one owner setting of the running agent at once; the agent keeps\nit in settings.json. Rates are in Mbit/s, quotas in GB; 'none' removes a cap.\n\nSettings:\n" + b.String() +
			"\nExample: sparelink-agent set max-rate 20",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := dial(cmd, common, cfg)
			if err != nil {
				return err
			}
			s, err := c.Set(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s set; relay cap now %s.\n", args[0], capText(s))
			return nil
		},
	}
}

func pauseCommand(common *cli.Common, cfg *agent.Config, pause bool) *cobra.Command {
	use, short := "resume", "Share again after pause"
	if pause {
		use, short = "pause", "Stop sharing at once, until resume"
	}
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := dial(cmd, common, cfg)
			if err != nil {
				return err
			}
			call := c.Resume
			if pause {
				call = c.Pause
			}
			s, err := call(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Sharing %s.\n", map[bool]string{true: "paused", false: "resumed"}[s.Paused])
			return nil
		},
	}
}

func dashboardCommand(common *cli.Common, cfg *agent.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "dashboard",
		Short: "Print the dashboard's address and its sign-in token",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := setupRoot(cmd, common); err != nil {
				return err
			}
			token, err := status.LoadToken(cfg.DataDir)
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("no dashboard token in %s yet: start the agent once", cfg.DataDir)
			}
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			addr, err := os.ReadFile(filepath.Join(cfg.DataDir, status.AddrFile))
			if err != nil {
				fmt.Fprintf(out, "The agent is not running. Token: %s\n", token)
				return nil
			}
			url := "http://" + strings.TrimSpace(string(addr)) + "/"
			fmt.Fprintf(out, "Open %s#token=%s\nor open %s and sign in with the token %s\n", url, token, url, token)
			return nil
		},
	}
}

func dial(cmd *cobra.Command, common *cli.Common, cfg *agent.Config) (*status.Client, error) {
	if err := setupRoot(cmd, common); err != nil {
		return nil, err
	}
	return status.Dial(cfg.DataDir)
}

func capText(s owner.Settings) string {
	if s.CapBps() == 0 {
		return "none"
	}
	return status.Mbit(s.CapBps())
}
