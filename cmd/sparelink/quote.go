package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/internal/cli"
)

// leaseFlags describe the coverage to quote or buy.
type leaseFlags struct {
	req      api.LeaseRequest
	protos   []string
	duration time.Duration
	mib      int64
}

func addLeaseFlags(cmd *cobra.Command, l *leaseFlags) {
	fs := cmd.Flags()
	fs.StringVar(&l.req.Coverage.Country, "country", "", "exit country, ISO 3166-1 (e.g. DE)")
	fs.StringVar(&l.req.Coverage.Subdivision, "subdivision", "", "exit subdivision, ISO 3166-2 (e.g. DE-BE)")
	fs.StringVar(&l.req.Coverage.City, "city", "", "exit city")
	fs.IntVar(&l.req.Coverage.ASN, "asn", 0, "exit network's AS number")
	fs.StringVar(&l.req.Coverage.ConnectionType, "connection-type", "", "residential, business, mobile or datacenter")
	fs.IntVar(&l.req.Exits, "exits", 0, "how many exits (default 1)")
	fs.Int64Var(&l.mib, "mib", 0, "MiB to buy, up and down together (default 1024)")
	fs.DurationVar(&l.duration, "duration", 0, "lease duration (default: the broker's, 1h)")
	fs.Int64Var(&l.req.RateBps, "rate", 0, "bytes per second each exit shapes to (default: no limit)")
	fs.StringVar(&l.req.Mode, "mode", "", "rotating, sticky or strict (default rotating)")
	fs.StringSliceVar(&l.protos, "protocol", nil, "protocols every exit must serve (default quic)")
}

// request returns the lease request the flags describe.
func (l *leaseFlags) request() api.LeaseRequest {
	r := l.req
	r.Coverage.Country = strings.ToUpper(r.Coverage.Country)
	r.Protocols = l.protos
	r.MaxBytes = l.mib << 20
	r.DurationSeconds = int64(l.duration / time.Second)
	return r
}

func quoteCommand(common *cli.Common) *cobra.Command {
	var f apiFlags
	var l leaseFlags
	cmd := &cobra.Command{
		Use:   "quote",
		Short: "Price coverage and see live supply without buying",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := setup(cmd, common); err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			q, err := c.Quote(cmd.Context(), l.request())
			if err != nil {
				return err
			}
			return f.emit(cmd.OutOrStdout(), q, func(w io.Writer) { printQuote(w, q) })
		},
	}
	addAPIFlags(cmd, &f)
	addLeaseFlags(cmd, &l)
	return cmd
}

func printQuote(w io.Writer, q *api.Quote) {
	fields(w,
		"exits available", fmt.Sprintf("%d from %d operators", q.AvailableExits, q.Operators),
		"spare capacity", bytesText(q.SpareBps)+"/s",
		"price per GB", money(q.PriceMicrosPerGB),
		"price per hour", money(q.PriceMicrosPerHour),
		"hold", money(q.HoldMicros)+" for "+bytesText(q.MaxBytes),
		"broker fee", fmt.Sprintf("%.2f%%", float64(q.FeeBPS)/100),
		"measured", fmt.Sprintf("%.0f%% success, %d ms, %s/s", q.Quality.SuccessRate*100, q.Quality.LatencyMillis, bytesText(q.Quality.ThroughputBps)),
	)
}
