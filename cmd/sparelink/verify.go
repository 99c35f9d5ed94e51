package main

import (
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/sparelink/sparelink/internal/cli"
	"github.com/sparelink/sparelink/metering/audit"
)

func verifyCommand(common *cli.Common) *cobra.Command {
	return &cobra.Command{
		Use:   "verify FILE",
		Short: "Check a lease's receipt export offline and recompute its bill",
		Long: `verify reads a receipt export (GET /v1/leases/{id}/receipts, JSON Lines;
"-" reads standard input), checks every receipt's node signature, each
exit's hash chain and the buyer's countersignatures with the keys the file
carries, and prints the bill recomputed from the receipts alone. It exits
non-zero at the first receipt that does not check.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := common.Setup(cmd); err != nil {
				return err
			}
			return verifyFile(cmd.OutOrStdout(), args[0])
		},
	}
}

// verifyFile verifies the export at path and prints its bill to w.
func verifyFile(w io.Writer, path string) error {
	in := os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	x, err := audit.Read(in)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	bill, err := audit.Verify(x)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	printBill(w, x, bill)
	return nil
}

func printBill(w io.Writer, x *audit.Export, bill audit.Bill) {
	fmt.Fprintf(w, "lease %s: %d receipts from %d exits verified, price %d micros/GB, fee %d bps\n",
		bill.LeaseID, len(x.Receipts), len(bill.Exits), x.PriceMicrosPerGB, x.FeeBPS)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "exit\treceipts\tbilled up\tbilled down\tattested by\tcharge\tfee\tseller\t")
	for _, e := range bill.Exits {
		by := "buyer"
		if e.NodeAttested {
			by = "node"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%d\t%d\t%d\t\n", e.NodeID, e.Receipts, e.Billable.Up, e.Billable.Down,
			by, e.Amounts.ChargeMicros, e.Amounts.FeeMicros, e.Amounts.SellerMicros)
	}
	fmt.Fprintf(tw, "total\t\t\t\t\t%d\t%d\t%d\t\n", bill.Total.ChargeMicros, bill.Total.FeeMicros, bill.Total.SellerMicros)
	tw.Flush()
}
