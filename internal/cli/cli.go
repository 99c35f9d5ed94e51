// Package cli is what every SpareLink binary shares on its command line: the
// cobra root command with --config, --log-level, --log-format and --version,
// configuration from flags, SPARELINK_* environment variables and a config
// file, the zap logger, and signal handling. It keeps cmd/*/main.go to
// wiring only.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/sparelink/sparelink/internal/buildinfo"
	"github.com/sparelink/sparelink/internal/logging"
)

// Common holds the settings every binary has.
type Common struct {
	ConfigFile string
	Log        logging.Config
}

// NewRoot returns a root command for binary with the common flags bound to
// c. Daemons keep cobra.NoArgs so stray arguments are rejected.
func NewRoot(binary, short, long string, c *Common) *cobra.Command {
	cmd := &cobra.Command{
		Use:           binary,
		Short:         short,
		Long:          long,
		Version:       buildinfo.String(binary),
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	cmd.SetVersionTemplate("{{.Version}}\n")
	pf := cmd.PersistentFlags()
	pf.StringVar(&c.ConfigFile, "config", "", "config file (JSON, {\"version\": 1, \"<flag-name>\": value}); env "+EnvName("config"))
	pf.StringVar(&c.Log.Level, "log-level", "info", "log level: debug, info, warn, error")
	pf.StringVar(&c.Log.Format, "log-format", "auto", "log format: auto (console on a terminal, JSON otherwise), console, json")
	return cmd
}

// Setup loads configuration into cmd's flags and builds the logger. Call it
// first in every RunE.
func (c *Common) Setup(cmd *cobra.Command) (*zap.Logger, error) {
	if !cmd.Flags().Changed("config") {
		if v, ok := os.LookupEnv(EnvName("config")); ok {
			c.ConfigFile = v
		}
	}
	if err := LoadConfig(cmd.Flags(), c.ConfigFile); err != nil {
		return nil, err
	}
	return logging.New(c.Log, os.Stderr)
}

// SignalContext is cancelled on SIGINT or SIGTERM.
func SignalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// Main runs cmd and exits: 0 on success, 1 on error (printed as one clear
// line), 2 for usage errors.
func Main(cmd *cobra.Command) {
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{err}
	})
	argsAreUsage(cmd)
	ran, err := cmd.ExecuteC()
	if err == nil {
		os.Exit(0)
	}
	fmt.Fprintf(os.Stderr, "%s: error: %v\n", cmd.Name(), err)
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(os.Stderr, "Run '%s --help' for usage.\n", ran.CommandPath())
		os.Exit(2)
	}
	os.Exit(1)
}

type usageError struct{ error }

func (u usageError) Unwrap() error { return u.error }

// argsAreUsage makes the argument checks of cmd and its subcommands (such
// as cobra.NoArgs on daemons) report usage errors, so that a stray
// argument exits with status 2 like an unknown flag.
func argsAreUsage(cmd *cobra.Command) {
	if check := cmd.Args; check != nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			if err := check(c, args); err != nil {
				return usageError{err}
			}
			return nil
		}
	}
	for _, sub := range cmd.Commands() {
		argsAreUsage(sub)
	}
}
