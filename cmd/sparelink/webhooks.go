package main

import (
	"fmt"
	"io"
	"iter"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/cli"
)

func webhooksCommand(common *cli.Common) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "webhooks",
		Short: "List, create and delete webhooks for your account's events",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var lf, cf, df apiFlags
	var events []string
	create := apiCommand(common, "create URL", "Send your events to an https URL (its secret is shown once)", cobra.ExactArgs(1), &cf,
		func(cmd *cobra.Command, c *client.Client, args []string) (any, func(io.Writer), error) {
			wh, err := c.CreateWebhook(cmd.Context(), "", api.CreateWebhookRequest{URL: args[0], Events: events})
			return wh, func(w io.Writer) {
				fmt.Fprintf(w, "Webhook %s for %s.\nSecret (shown once, verifies deliveries): %s\n", wh.ID, strings.Join(wh.Events, ", "), wh.Secret)
			}, err
		})
	create.Flags().StringSliceVar(&events, "event", []string{api.EventUsageThreshold, api.EventLowBalance, api.EventLeaseExitsChanged},
		"events to send")
	cmd.AddCommand(
		apiCommand(common, "list", "List your webhooks", cobra.NoArgs, &lf,
			func(cmd *cobra.Command, c *client.Client, _ []string) (any, func(io.Writer), error) {
				hooks, err := collect(c.AllWebhooks(cmd.Context(), 0))
				return hooks, func(w io.Writer) { printWebhooks(w, hooks) }, err
			}),
		create,
		apiCommand(common, "delete WEBHOOK_ID", "Stop deliveries to a webhook", cobra.ExactArgs(1), &df,
			func(cmd *cobra.Command, c *client.Client, args []string) (any, func(io.Writer), error) {
				err := c.DeleteWebhook(cmd.Context(), args[0])
				return map[string]string{"deleted": args[0]}, func(w io.Writer) { fmt.Fprintf(w, "Deleted %s.\n", args[0]) }, err
			}),
	)
	return cmd
}

func printWebhooks(w io.Writer, hooks []api.Webhook) {
	rows := make([][]string, 0, len(hooks))
	for _, h := range hooks {
		rows = append(rows, []string{h.ID, h.URL, strings.Join(h.Events, ","), when(h.CreatedAt)})
	}
	table(w, []string{"WEBHOOK", "URL", "EVENTS", "CREATED"}, rows)
}

// collect gathers a listing's items.
func collect[T any](items iter.Seq2[T, error]) ([]T, error) {
	out := []T{}
	for it, err := range items {
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}
