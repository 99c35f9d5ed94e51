package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/cli"
)

func balanceCommand(common *cli.Common) *cobra.Command {
	var f apiFlags
	return apiCommand(common, "balance", "Show your available, held and earned balance", cobra.NoArgs, &f,
		func(cmd *cobra.Command, c *client.Client, _ []string) (any, func(io.Writer), error) {
			b, err := c.Balance(cmd.Context())
			return b, func(w io.Writer) {
				fields(w, "account", b.AccountID, "available", money(b.AvailableMicros),
					"held", money(b.HeldMicros), "earned", money(b.EarnedMicros))
			}, err
		})
}

func usageCommand(common *cli.Common) *cobra.Command {
	var f apiFlags
	return apiCommand(common, "usage LEASE_ID", "Show what a lease's exits have settled", cobra.ExactArgs(1), &f,
		func(cmd *cobra.Command, c *client.Client, args []string) (any, func(io.Writer), error) {
			u, err := c.Usage(cmd.Context(), args[0])
			return u, func(w io.Writer) { printUsage(w, u) }, err
		})
}

func printUsage(w io.Writer, u *api.Usage) {
	rows := make([][]string, 0, len(u.Exits)+1)
	var up, down int64
	for _, e := range u.Exits {
		rows = append(rows, []string{e.NodeID, bytesText(e.BytesUp), bytesText(e.BytesDown), money(e.ChargedMicros)})
		up, down = up+e.BytesUp, down+e.BytesDown
	}
	rows = append(rows, []string{"total", bytesText(up), bytesText(down), money(u.ChargedMicros)})
	table(w, []string{"EXIT", "UP", "DOWN", "CHARGED"}, rows)
	fmt.Fprintf(w, "\nfee %s, to operators %s\n", money(u.FeeMicros), money(u.SellerMicros))
}
