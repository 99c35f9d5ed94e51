// Command sparelink-agent runs a home seller's node: it measures spare
// uplink, obeys the owner's controls and serves a QUIC exit for the buyers
// the broker sends. Its subcommands pair the machine with an operator
// account and talk to the running agent through its local status API.
package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/sparelink/sparelink/agent"
	"github.com/sparelink/sparelink/agent/reach"
	"github.com/sparelink/sparelink/internal/cli"
)

func main() {
	var common cli.Common
	var cfg agent.Config
	var linkUpMbit, linkDownMbit float64
	var reachCfg reach.Config
	var punchOn bool
	cmd := cli.NewRoot("sparelink-agent", "Sell your idle uplink through SpareLink",
		`sparelink-agent measures how much of your uplink is idle, registers this
machine with the SpareLink broker under your operator account and serves a
QUIC exit for buyers within the limits you set. Its keys are created on first
start in the data directory (mode 0600). The egress policy never lets buyers
reach your own networks: loopback, private, link-local, CGNAT and metadata
addresses are always refused.

Pair once with 'sparelink-agent pair <operator key>', then run
'sparelink-agent'. Owner settings given here or in the config file apply at
every start; the dashboard and 'sparelink-agent set' change them while the
agent runs and keep them in settings.json.`, &common)
	pf := cmd.PersistentFlags()
	pf.StringVar(&cfg.DataDir, "data-dir", "sparelink-agent", "data directory (keys, settings, usage, status token)")
	pf.StringVar(&cfg.BrokerURL, "broker", "http://127.0.0.1:8400", "broker base URL")
	f := cmd.Flags()
	f.StringVar(&cfg.OperatorKey, "operator-key", "", "operator API key (default: the one stored by 'pair'; prefer "+cli.EnvName("operator-key")+")")
	f.StringVar(&cfg.Region.Country, "country", "", "ISO 3166-1 country code of this connection (required)")
	f.StringVar(&cfg.Region.Subdivision, "subdivision", "", "ISO 3166-2 subdivision, e.g. DE-BE")
	f.StringVar(&cfg.Region.City, "city", "", "city")
	f.IntVar(&cfg.ASN, "asn", 0, "autonomous system number of your ISP")
	f.StringVar(&cfg.ConnectionType, "connection-type", "residential", "residential, business or mobile")
	f.Int64Var(&cfg.PriceMicrosPerGB, "price", 1_000_000, "floor price in micro-units per GB")
	f.StringVar(&cfg.ListenQUIC, "listen", "127.0.0.1:0", "UDP address of the QUIC exit")
	f.StringVar(&cfg.AdvertiseAddr, "advertise", "", "exit address buyers dial (default: the listen address)")
	f.StringVar(&cfg.ListenWireGuard, "listen-wireguard", "127.0.0.1:0", "UDP address of the WireGuard exit")
	f.StringVar(&cfg.AdvertiseWireGuard, "advertise-wireguard", "", "WireGuard address buyers' clients dial (default: the listen address)")
	f.BoolVar(&cfg.NoWireGuard, "no-wireguard", false, "run no WireGuard exit")
	f.DurationVar(&cfg.ProbeInterval, "probe-interval", 0, "time between line probes against the broker, run when the line is idle (default 24h; negative: none)")
	f.StringVar(&cfg.StatusListen, "status-listen", "127.0.0.1:7465", "loopback address of the dashboard and status API")
	f.Float64Var(&linkUpMbit, "link-up", 0, "uplink capacity in Mbit/s (0: learn from observed peaks)")
	f.Float64Var(&linkDownMbit, "link-down", 0, "downlink capacity in Mbit/s (0: learn from observed peaks)")
	f.StringSliceVar(&cfg.Interfaces, "interface", nil, "interfaces that carry household traffic (default: all but loopback)")
	f.StringVar(&reachCfg.STUNServer, "stun-server", "", "STUN server (host:port) for the reachability check (default: skip STUN)")
	f.BoolVar(&reachCfg.DisablePortMapping, "no-nat-pmp", false, "do not ask the home router over NAT-PMP for its public address")
	f.StringVar(&reachCfg.STUNAltServer, "stun-alt-server", "", "the STUN server's second address (the broker's --stun-alt-listen), to tell the NAT's mapping and filtering apart")
	f.BoolVar(&punchOn, "punch", false, "let buyers behind other NATs reach this exit: answer their ICE offers and keep a connection to the relay the broker assigns (docs/nat.md)")
	settings := ownerFlags(f)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		log, err := common.Setup(cmd)
		if err != nil {
			return err
		}
		defer log.Sync()
		if cfg.Owner, err = settings.override(); err != nil {
			return err
		}
		cfg.LinkUpBps, cfg.LinkDownBps = mbitToBytes(linkUpMbit), mbitToBytes(linkDownMbit)
		cfg.Reach = reach.New(reachCfg, log.Named("reach"))
		if punchOn {
			cfg.Punch = punchConfig(reachCfg.STUNServer, cfg.Interfaces)
		}
		ctx, stop := cli.SignalContext()
		defer stop()
		a, err := agent.Start(ctx, cfg, log)
		if err != nil {
			return err
		}
		log.Info("agent running", zap.String("node", a.NodeID()), zap.String("exit", a.ExitAddr()))
		if token, created := a.StatusToken(); created {
			fmt.Fprintf(cmd.OutOrStdout(), "Dashboard: %s#token=%s\n(the token is also in %s; 'sparelink-agent dashboard' prints it again)\n",
				a.DashboardURL(), token, "status.token")
		}
		return a.Run(ctx)
	}
	cmd.AddCommand(
		pairCommand(&common, &cfg),
		statusCommand(&common, &cfg),
		setCommand(&common, &cfg),
		pauseCommand(&common, &cfg, true),
		pauseCommand(&common, &cfg, false),
		dashboardCommand(&common, &cfg),
	)
	cli.Main(cmd)
}

func mbitToBytes(mbit float64) int64 { return int64(mbit * 1e6 / 8) }
