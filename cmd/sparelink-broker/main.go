// Command sparelink-broker runs the SpareLink marketplace: accounts and API
// keys, the node registry, matching, leases, metering intake and the
// ledger, behind a REST API.
package main

import (
	"github.com/spf13/cobra"

	"github.com/sparelink/sparelink/broker/brokerd"
	"github.com/sparelink/sparelink/internal/cli"
)

func main() {
	var common cli.Common
	var cfg brokerd.Config
	cmd := cli.NewRoot("sparelink-broker", "Run the SpareLink marketplace broker",
		`sparelink-broker serves the SpareLink REST API: buyers buy metered coverage,
operators register exit nodes, exits' signed receipts are settled in a
double-entry ledger. State lives in the store --store names: by default an
embedded SQLite database in the data directory, or a PostgreSQL database
that several brokers can share (give each the same token.key and
challenge.key from one data directory). On first start it writes the first
admin API key to <data-dir>/admin.key (mode 0600).`, &common)
	f := cmd.Flags()
	f.StringVar(&cfg.Listen, "listen", "127.0.0.1:8400", "HTTP listen address")
	f.StringVar(&cfg.DataDir, "data-dir", "sparelink-broker", "data directory (default database, token and challenge keys, first admin key)")
	f.StringVar(&cfg.Store, "store", "", "store URL: sqlite:///abs/path.db, sqlite:rel/path.db or postgres://user:pass@host:5432/db (default sqlite://<data-dir>/broker.db)")
	f.Int64Var(&cfg.FeeBPS, "fee-bps", 1000, "broker fee in basis points of each charge")
	f.DurationVar(&cfg.HeartbeatTTL, "heartbeat-ttl", 0, "nodes silent for longer are offline (default 30s)")
	f.DurationVar(&cfg.TokenTTL, "token-ttl", 0, "lifetime of lease tokens (default 10m)")
	f.BoolVar(&cfg.WebhookInsecure, "webhook-insecure", false, "allow http webhook URLs and private or loopback addresses (development only)")
	f.StringVar(&cfg.Prices, "prices", "", "price table file (JSON, see docs/api.md): minimum prices per country and connection type, and the fee")
	f.Float64Var(&cfg.RateLimit, "rate-limit", 0, "requests per second each API key may send (default 100)")
	f.IntVar(&cfg.RateBurst, "rate-burst", 0, "requests each API key may send at once (default 200)")
	f.Int64Var(&cfg.LowBalanceMicros, "low-balance-micros", 0, "available balance below which low_balance webhooks fire (default: the broker's)")
	f.DurationVar(&cfg.ExitCheckInterval, "exit-check-interval", 0, "time between reachability checks of every online exit (default 1m; negative: none)")
	f.BoolVar(&cfg.ExitCheckPrivate, "exit-check-private", false, "let exit checks reach loopback and private addresses (development only)")
	f.StringVar(&cfg.STUNListen, "stun-listen", "", "UDP address of the STUN server for agents and ICE (empty: none), e.g. 0.0.0.0:3478")
	f.StringVar(&cfg.STUNAltListen, "stun-alt-listen", "", "second STUN address, another port or IP of this host, for NAT behaviour tests")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		log, err := common.Setup(cmd)
		if err != nil {
			return err
		}
		defer log.Sync()
		ctx, stop := cli.SignalContext()
		defer stop()
		return brokerd.Run(ctx, cfg, log, nil)
	}
	cli.Main(cmd)
}
