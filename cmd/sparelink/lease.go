package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/cli"
)

func leaseCommand(common *cli.Common) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lease",
		Short: "Buy, list, show, extend and close leases",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(leaseCreateCommand(common), leaseListCommand(common), leaseShowCommand(common),
		leaseExtendCommand(common), leaseCloseCommand(common))
	return cmd
}

// apiRun is the body of a command that calls the broker: it gets a client and the
// positional arguments and returns what to print.
type apiRun func(cmd *cobra.Command, c *client.Client, args []string) (any, func(io.Writer), error)

// apiCommand builds a subcommand that calls the broker and prints its answer.
func apiCommand(common *cli.Common, use, short string, args cobra.PositionalArgs, f *apiFlags, run apiRun) *cobra.Command {
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  args,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := setup(cmd, common); err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			v, human, err := run(cmd, c, args)
			if err != nil {
				return err
			}
			return f.emit(cmd.OutOrStdout(), v, human)
		},
	}
	addAPIFlags(cmd, f)
	return cmd
}

func leaseCreateCommand(common *cli.Common) *cobra.Command {
	var f apiFlags
	var l leaseFlags
	var idem string
	cmd := apiCommand(common, "create", "Buy a lease", cobra.NoArgs, &f,
		func(cmd *cobra.Command, c *client.Client, _ []string) (any, func(io.Writer), error) {
			req, key, err := withBuyerKey(l.request())
			if err != nil {
				return nil, nil, err
			}
			p := startProgress(cmd.ErrOrStderr(), "buying coverage")
			defer p.end()
			lease, err := c.CreateLease(cmd.Context(), idem, req)
			if err == nil {
				err = f.saveLeaseKey(lease.ID, key)
			}
			return lease, func(w io.Writer) { printLease(w, lease) }, err
		})
	addLeaseFlags(cmd, &l)
	cmd.Flags().StringVar(&idem, "idempotency-key", "", "buy at most once under this key, across runs (default: once per run)")
	return cmd
}

func leaseListCommand(common *cli.Common) *cobra.Command {
	var f apiFlags
	return apiCommand(common, "list", "List your leases", cobra.NoArgs, &f,
		func(cmd *cobra.Command, c *client.Client, _ []string) (any, func(io.Writer), error) {
			leases, err := collect(c.AllLeases(cmd.Context(), 0))
			return leases, func(w io.Writer) { printLeases(w, leases) }, err
		})
}

func leaseShowCommand(common *cli.Common) *cobra.Command {
	var f apiFlags
	return apiCommand(common, "show LEASE_ID", "Show a lease and its exits", cobra.ExactArgs(1), &f,
		func(cmd *cobra.Command, c *client.Client, args []string) (any, func(io.Writer), error) {
			lease, err := c.Lease(cmd.Context(), args[0])
			return lease, func(w io.Writer) { printLease(w, lease) }, err
		})
}

func leaseExtendCommand(common *cli.Common) *cobra.Command {
	var f apiFlags
	var add time.Duration
	var mib int64
	cmd := apiCommand(common, "extend LEASE_ID", "Buy more time or bytes for an active lease", cobra.ExactArgs(1), &f,
		func(cmd *cobra.Command, c *client.Client, args []string) (any, func(io.Writer), error) {
			if add <= 0 && mib <= 0 {
				return nil, nil, fmt.Errorf("give --time, --mib or both")
			}
			req := api.ExtendLeaseRequest{AddSeconds: int64(add / time.Second), AddBytes: mib << 20}
			lease, err := c.ExtendLease(cmd.Context(), "", args[0], req)
			return lease, func(w io.Writer) { printLease(w, lease) }, err
		})
	cmd.Flags().DurationVar(&add, "time", 0, "time to add (e.g. 1h)")
	cmd.Flags().Int64Var(&mib, "mib", 0, "MiB to add")
	return cmd
}

func leaseCloseCommand(common *cli.Common) *cobra.Command {
	var f apiFlags
	return apiCommand(common, "close LEASE_ID", "End a lease and release the rest of its hold", cobra.ExactArgs(1), &f,
		func(cmd *cobra.Command, c *client.Client, args []string) (any, func(io.Writer), error) {
			lease, err := c.CloseLease(cmd.Context(), args[0])
			return lease, func(w io.Writer) { printLease(w, lease) }, err
		})
}

func printLease(w io.Writer, l *api.Lease) {
	fields(w,
		"lease", l.ID,
		"status", l.Status,
		"mode", l.Mode,
		"price per GB", money(l.PriceMicrosPerGB),
		"hold", money(l.HoldMicros)+" for "+bytesText(l.MaxBytes),
		"expires", when(l.ExpiresAt),
	)
	if len(l.Exits) == 0 {
		return
	}
	fmt.Fprintln(w)
	rows := make([][]string, 0, len(l.Exits))
	for _, e := range l.Exits {
		addr := "-"
		if e.QUIC != nil {
			addr = e.QUIC.Addr
		}
		region := strings.Trim(strings.Join([]string{e.Region.Country, e.Region.Subdivision, e.Region.City}, " "), " ")
		rows = append(rows, []string{e.NodeID, region, e.ConnectionType, fmt.Sprint(e.ASN), addr})
	}
	table(w, []string{"EXIT", "REGION", "TYPE", "ASN", "QUIC"}, rows)
}

func printLeases(w io.Writer, leases []api.Lease) {
	rows := make([][]string, 0, len(leases))
	for _, l := range leases {
		rows = append(rows, []string{l.ID, l.Status, l.Mode, fmt.Sprint(len(l.Exits)), money(l.HoldMicros), when(l.ExpiresAt)})
	}
	table(w, []string{"LEASE", "STATUS", "MODE", "EXITS", "HOLD", "EXPIRES"}, rows)
}
