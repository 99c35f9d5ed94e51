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

func keysCommand(common *cli.Common) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "List, create and revoke your API keys",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var lf, cf, rf apiFlags
	var expires time.Duration
	var cidrs []string
	var spendLimit float64
	var byteLimitMiB int64
	create := apiCommand(common, "create", "Create an API key (shown once)", cobra.NoArgs, &cf,
		func(cmd *cobra.Command, c *client.Client, _ []string) (any, func(io.Writer), error) {
			k, err := c.CreateKey(cmd.Context(), api.CreateKeyRequest{ExpiresInSeconds: int64(expires / time.Second), AllowedCIDRs: cidrs,
				SpendLimitMicros: int64(spendLimit * 1e6), ByteLimit: byteLimitMiB << 20})
			return k, func(w io.Writer) {
				fmt.Fprintf(w, "%s\n\nKey %s: store it now, the broker never shows it again.\n", k.Key, k.ID)
			}, err
		})
	create.Flags().DurationVar(&expires, "expires-in", 0, "expire the key after this long (default: never)")
	create.Flags().StringSliceVar(&cidrs, "allowed-cidr", nil, "only accept the key from these networks")
	create.Flags().Float64Var(&spendLimit, "spend-limit", 0, "most the key's leases may commit, in currency units (default: no limit)")
	create.Flags().Int64Var(&byteLimitMiB, "byte-limit-mib", 0, "most bytes, in MiB, the key's leases may be bought for (default: no limit)")
	cmd.AddCommand(
		apiCommand(common, "list", "List your keys, without secrets", cobra.NoArgs, &lf,
			func(cmd *cobra.Command, c *client.Client, _ []string) (any, func(io.Writer), error) {
				keys, err := collect(c.AllKeys(cmd.Context(), "", 0))
				return keys, func(w io.Writer) { printKeys(w, keys) }, err
			}),
		create,
		apiCommand(common, "revoke KEY_ID", "Revoke a key at once", cobra.ExactArgs(1), &rf,
			func(cmd *cobra.Command, c *client.Client, args []string) (any, func(io.Writer), error) {
				err := c.RevokeKey(cmd.Context(), args[0])
				done := map[string]string{"revoked": args[0]}
				return done, func(w io.Writer) { fmt.Fprintf(w, "Revoked %s.\n", args[0]) }, err
			}),
	)
	return cmd
}

func printKeys(w io.Writer, keys []api.Key) {
	rows := make([][]string, 0, len(keys))
	for _, k := range keys {
		state := "active"
		switch {
		case !k.RevokedAt.IsZero():
			state = "revoked"
		case !k.ExpiresAt.IsZero() && k.ExpiresAt.Before(time.Now()):
			state = "expired"
		}
		rows = append(rows, []string{k.ID, k.Scope, state, when(k.CreatedAt), when(k.ExpiresAt), strings.Join(k.AllowedCIDRs, ",")})
	}
	table(w, []string{"KEY", "SCOPE", "STATE", "CREATED", "EXPIRES", "NETWORKS"}, rows)
}
