// Command sparelink is the buyer's tool: it runs the local gateway that
// carries applications' traffic through a lease's exits, and the demo that
// runs the whole market on one machine.
package main

import (
	"github.com/spf13/cobra"

	"github.com/sparelink/sparelink/internal/cli"
)

func main() {
	var common cli.Common
	root := cli.NewRoot("sparelink", "Buy network reach through SpareLink exits",
		`sparelink is the SpareLink buyer's command line: "sparelink gateway" serves a
local SOCKS5 and HTTP proxy that sends each connection through the exits of
one of your leases, and "sparelink demo" runs a whole market on this machine.`, &common)
	// Runnable, so that an unknown command is a usage error rather than
	// a silent help page.
	root.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	root.AddCommand(demoCommand(&common), gatewayCommand(&common), verifyReleaseCommand(&common), loginCommand(&common), quoteCommand(&common), leaseCommand(&common), usageCommand(&common), balanceCommand(&common), keysCommand(&common), webhooksCommand(&common))
	root.AddCommand(verifyCommand(&common))
	cli.Main(root)
}
