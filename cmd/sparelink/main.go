// Command sparelink is the buyer's tool: it logs in to a broker, quotes and
// buys leases, runs the local gateway that carries applications' traffic
// through a lease's exits, checks receipt exports and releases offline, and
// runs the demo market on one machine.
package main

import (
	"github.com/spf13/cobra"

	"github.com/sparelink/sparelink/internal/cli"
)

func main() {
	var common cli.Common
	root := cli.NewRoot("sparelink", "Buy network reach through SpareLink exits",
		`sparelink is the SpareLink buyer's command line. "sparelink login" stores your
broker and API key; "quote", "lease", "usage", "balance", "keys" and "webhooks"
call the broker's API (tables by default, --json for scripts); "sparelink
gateway" serves a local SOCKS5 and HTTP proxy that sends each connection
through the exits of one of your leases (--create buys one); "verify" checks a
lease's receipt export offline and "verify-release" a signed release; "sparelink
demo" runs a whole market on this machine.`, &common)
	// Runnable, so that an unknown command is a usage error rather than
	// a silent help page.
	root.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	root.AddCommand(demoCommand(&common), gatewayCommand(&common), verifyReleaseCommand(&common), loginCommand(&common), quoteCommand(&common), leaseCommand(&common), usageCommand(&common), balanceCommand(&common), keysCommand(&common), webhooksCommand(&common))
	root.AddCommand(verifyCommand(&common))
	cli.Main(root)
}
