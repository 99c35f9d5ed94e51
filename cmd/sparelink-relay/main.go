// Command sparelink-relay runs an ISP's high-capacity SpareLink exit.
// docs/operators.md explains its flags.
package main

import (
	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/sparelink/sparelink/internal/cli"
	"github.com/sparelink/sparelink/relay/relayd"
)

func main() {
	var common cli.Common
	var cfg relayd.Config
	var capacityMbit float64
	var metricsAddr string
	var fwdCfg relayd.ForwardConfig
	cmd := cli.NewRoot("sparelink-relay", "Run an ISP's SpareLink exit relay",
		`sparelink-relay is the exit an ISP or local operator runs on a server with a
public address: it registers with the broker under the operator's key and
serves QUIC exits (HTTP/3 CONNECT) for buyers' leases, checking every lease
token offline and applying the same egress policy as home agents.

A public relay listens on every interface and tells the broker the address
buyers dial, for example:

  sparelink-relay --listen 0.0.0.0:443 --advertise relay.example.net:443 \
    --tls-cert cert.pem --tls-key key.pem --capacity 10000 --country PT`, &common)
	f := cmd.Flags()
	f.StringVar(&cfg.DataDir, "data-dir", "sparelink-relay", "data directory (node key)")
	f.StringVar(&cfg.BrokerURL, "broker", "http://127.0.0.1:8400", "broker base URL")
	f.StringVar(&cfg.OperatorKey, "operator-key", "", "operator API key (required; prefer "+cli.EnvName("operator-key")+")")
	f.StringVar(&cfg.Region.Country, "country", "", "ISO 3166-1 country code (required)")
	f.StringVar(&cfg.Region.Subdivision, "subdivision", "", "ISO 3166-2 subdivision")
	f.StringVar(&cfg.Region.City, "city", "", "city")
	f.IntVar(&cfg.ASN, "asn", 0, "autonomous system number")
	f.StringVar(&cfg.ConnectionType, "connection-type", "business", "business or datacenter")
	f.Int64Var(&cfg.PriceMicrosPerGB, "price", 800_000, "floor price in micro-units per GB")
	f.Float64Var(&capacityMbit, "capacity", 1000, "capacity offered and enforced, Mbit/s, both directions together")
	f.StringVar(&cfg.Listen, "listen", "127.0.0.1:0", "UDP address of the QUIC exit (0.0.0.0:443 for a public relay)")
	f.StringVar(&cfg.Advertise, "advertise", "", "exit address buyers dial, host:port (required with a wildcard --listen; default: the listen address)")
	f.StringVar(&cfg.TLSCertFile, "tls-cert", "", "PEM certificate chain presented to clients asking for its names (with --tls-key)")
	f.StringVar(&cfg.TLSKeyFile, "tls-key", "", "PEM private key of --tls-cert")
	f.IntVar(&cfg.MaxStreamsPerLease, "max-streams-per-lease", 0, "most tunnels one lease may have open (0: 512)")
	f.Float64Var(&cfg.RetryAbove, "retry-above", 0, "new connections per second above which clients must prove their address with a QUIC Retry (0: 1000; negative: always)")
	f.BoolVar(&cfg.EgressWebOnly, "egress-web-only", false, "let buyers reach ports 80 and 443 only")
	f.StringVar(&cfg.ListenWireGuard, "listen-wireguard", "127.0.0.1:0", "UDP address of the WireGuard exit (0.0.0.0:51820 for a public relay)")
	f.StringVar(&cfg.AdvertiseWireGuard, "advertise-wireguard", "", "WireGuard address buyers' clients dial, host:port (default: the listen address)")
	f.BoolVar(&cfg.NoWireGuard, "no-wireguard", false, "run no WireGuard exit")
	f.StringVar(&fwdCfg.Listen, "forward-listen", "", "UDP address of the rendezvous forwarder for agents behind NAT, such as 0.0.0.0:3480 (default: none; docs/nat.md)")
	f.StringVar(&fwdCfg.Advertise, "forward-advertise", "", "ip:port agents and buyers reach the forwarder at (default: the listen address)")
	f.StringVar(&metricsAddr, "metrics-listen", "", "TCP address serving Prometheus metrics at /metrics, such as 127.0.0.1:9464 (default: none)")
	f.StringSliceVar(&cfg.EgressAllow, "egress-allow", nil, "extra destinations buyers may reach")
	f.StringSliceVar(&cfg.EgressDeny, "egress-deny", nil, "extra destinations buyers may not reach")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		log, err := common.Setup(cmd)
		if err != nil {
			return err
		}
		defer log.Sync()
		cfg.CapacityBps = int64(capacityMbit * 1e6 / 8)
		ctx, stop := cli.SignalContext()
		defer stop()
		n, err := relayd.Start(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer n.Close()
		if metricsAddr != "" {
			m, err := relayd.ServeMetrics(metricsAddr, n, log.Named("metrics"))
			if err != nil {
				return err
			}
			defer m.Close()
		}
		if fwdCfg.Listen != "" {
			fw, err := relayd.StartForwarder(n, fwdCfg, log.Named("forward"))
			if err != nil {
				return err
			}
			defer fw.Close()
			go fw.Run(ctx)
		}
		log.Info("relay running", zap.String("node", n.ID()), zap.String("exit", n.ExitAddr()))
		return n.Run(ctx)
	}
	cli.Main(cmd)
}
