// Command sparelink-agent runs a home seller's node: it measures spare
// uplink, obeys the owner's caps and serves a QUIC exit for the buyers the
// broker sends.
package main

import (
	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/sparelink/sparelink/agent"
	"github.com/sparelink/sparelink/internal/cli"
)

func main() {
	var common cli.Common
	var cfg agent.Config
	var maxRateMbit, linkUpMbit, linkDownMbit float64
	cmd := cli.NewRoot("sparelink-agent", "Sell your idle uplink through SpareLink",
		`sparelink-agent measures how much of your uplink is idle, registers this
machine with the SpareLink broker under your operator key and serves a QUIC
exit for buyers within the caps you set. Its node key is created on first
start in the data directory (mode 0600). The egress policy never lets buyers
reach your own networks: loopback, private, link-local, CGNAT and metadata
addresses are always refused.`, &common)
	f := cmd.Flags()
	f.StringVar(&cfg.DataDir, "data-dir", "sparelink-agent", "data directory (node key)")
	f.StringVar(&cfg.BrokerURL, "broker", "http://127.0.0.1:8400", "broker base URL")
	f.StringVar(&cfg.OperatorKey, "operator-key", "", "operator API key (required; prefer "+cli.EnvName("operator-key")+")")
	f.StringVar(&cfg.Region.Country, "country", "", "ISO 3166-1 country code of this connection (required)")
	f.StringVar(&cfg.Region.Subdivision, "subdivision", "", "ISO 3166-2 subdivision, e.g. DE-BE")
	f.StringVar(&cfg.Region.City, "city", "", "city")
	f.IntVar(&cfg.ASN, "asn", 0, "autonomous system number of your ISP")
	f.StringVar(&cfg.ConnectionType, "connection-type", "residential", "residential, business or mobile")
	f.Int64Var(&cfg.PriceMicrosPerGB, "price", 1_000_000, "floor price in micro-units per GB")
	f.StringVar(&cfg.ListenQUIC, "listen", "127.0.0.1:0", "UDP address of the QUIC exit")
	f.StringVar(&cfg.AdvertiseAddr, "advertise", "", "exit address buyers dial (default: the listen address)")
	f.Float64Var(&maxRateMbit, "max-rate", 0, "cap on relay traffic in Mbit/s (0: none)")
	f.Float64Var(&linkUpMbit, "link-up", 0, "uplink capacity in Mbit/s (0: learn from observed peaks)")
	f.Float64Var(&linkDownMbit, "link-down", 0, "downlink capacity in Mbit/s (0: learn from observed peaks)")
	f.StringSliceVar(&cfg.Interfaces, "interface", nil, "interfaces that carry household traffic (default: all but loopback)")
	f.StringSliceVar(&cfg.EgressAllow, "egress-allow", nil, "extra destinations buyers may reach, e.g. 203.0.113.7:443")
	f.StringSliceVar(&cfg.EgressDeny, "egress-deny", nil, "extra destinations buyers may not reach, e.g. 198.51.100.0/24")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		log, err := common.Setup(cmd)
		if err != nil {
			return err
		}
		defer log.Sync()
		cfg.MaxRateBps = mbitToBytes(maxRateMbit)
		cfg.LinkUpBps, cfg.LinkDownBps = mbitToBytes(linkUpMbit), mbitToBytes(linkDownMbit)
		ctx, stop := cli.SignalContext()
		defer stop()
		a, err := agent.Start(ctx, cfg, log)
		if err != nil {
			return err
		}
		log.Info("agent running", zap.String("node", a.NodeID()), zap.String("exit", a.ExitAddr()))
		return a.Run(ctx)
	}
	cli.Main(cmd)
}

func mbitToBytes(mbit float64) int64 { return int64(mbit * 1e6 / 8) }
