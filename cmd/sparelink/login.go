package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/client/profile"
	"github.com/sparelink/sparelink/internal/cli"
)

func loginCommand(common *cli.Common) *cobra.Command {
	var f apiFlags
	var fromStdin bool
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Store the broker URL and your API key for the other commands",
		Long: `login checks an API key against the broker and stores it, with the broker's
URL, in sparelink/login.json under your user configuration directory, a file
only you can read (mode 0600). The other commands use it unless --broker,
--key or ` + cli.EnvName("key") + ` say otherwise.

  printf '%s\n' "$KEY" | sparelink login --broker https://broker.example --key-stdin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := setup(cmd, common); err != nil {
				return err
			}
			if fromStdin {
				key, err := readKey(cmd.InOrStdin())
				if err != nil {
					return err
				}
				f.key = key
			}
			return runLogin(cmd.Context(), cmd.OutOrStdout(), f)
		},
	}
	addAPIFlags(cmd, &f)
	cmd.Flags().BoolVar(&fromStdin, "key-stdin", false, "read the API key from standard input (keeps it out of the shell history)")
	return cmd
}

// readKey reads one line holding the key.
func readKey(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read key from stdin: %w", err)
	}
	key := strings.TrimSpace(line)
	if key == "" {
		return "", errors.New("no key on stdin")
	}
	return key, nil
}

func runLogin(ctx context.Context, out io.Writer, f apiFlags) error {
	if f.key == "" {
		return errors.New("give the key with --key-stdin (or --key, or " + cli.EnvName("key") + ")")
	}
	broker := cmpOr(f.broker, defaultBroker)
	bal, err := client.New(broker, f.key).Balance(ctx)
	if err != nil {
		return fmt.Errorf("check the key with %s: %w", broker, err)
	}
	path, err := f.path()
	if err != nil {
		return err
	}
	if err := profile.Save(path, profile.Profile{BrokerURL: broker, Key: f.key}); err != nil {
		return err
	}
	fmt.Fprintf(out, "Logged in to %s as account %s (available %s). Saved to %s.\n",
		broker, bal.AccountID, money(bal.AvailableMicros), path)
	return nil
}
