package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/client/gateway"
	"github.com/sparelink/sparelink/internal/cli"
)

type gatewayFlags struct {
	broker, key, lease string
	socks, http        string
	gw                 gateway.Config
	refresh            time.Duration
}

func gatewayCommand(common *cli.Common) *cobra.Command {
	var gf gatewayFlags
	cmd := &cobra.Command{
		Use:   "gateway",
		Short: "Serve a local SOCKS5 and HTTP proxy through a lease's exits",
		Long: `gateway fetches a lease from the broker and serves, on loopback, a SOCKS5
proxy and an HTTP proxy (CONNECT and plain forward proxying). Each
connection goes through one of the lease's exits over HTTP/3 CONNECT,
rotating between exits and skipping exits that fail. The exits' tokens are
refreshed from the broker before they expire.

  curl -x socks5h://127.0.0.1:1080 https://example.com/
  curl -x http://127.0.0.1:8080 https://example.com/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := common.Setup(cmd)
			if err != nil {
				return err
			}
			defer log.Sync()
			ctx, stop := cli.SignalContext()
			defer stop()
			return runGateway(ctx, gf, log)
		},
	}
	f := cmd.Flags()
	f.StringVar(&gf.broker, "broker", "http://127.0.0.1:8400", "broker base URL")
	f.StringVar(&gf.key, "key", "", "buyer API key (prefer "+cli.EnvName("key")+")")
	f.StringVar(&gf.lease, "lease", "", "lease ID (required)")
	f.StringVar(&gf.socks, "socks", "127.0.0.1:1080", "SOCKS5 listen address (empty: off)")
	f.StringVar(&gf.http, "http", "127.0.0.1:8080", "HTTP proxy listen address (empty: off)")
	f.StringVar(&gf.gw.Username, "username", "", "require this proxy username")
	f.StringVar(&gf.gw.Password, "password", "", "require this proxy password")
	f.BoolVar(&gf.gw.AllowPublic, "allow-public", false, "allow listening on non-loopback addresses (needs --username and --password)")
	f.DurationVar(&gf.refresh, "refresh", time.Minute, "how often to refresh exit tokens from the broker")
	return cmd
}

func runGateway(ctx context.Context, gf gatewayFlags, log *zap.Logger) error {
	if gf.key == "" || gf.lease == "" {
		return errors.New("--key (or " + cli.EnvName("key") + ") and --lease are required")
	}
	bc := client.New(gf.broker, gf.key)
	l, err := bc.Lease(ctx, gf.lease)
	if err != nil {
		return fmt.Errorf("fetch lease %s: %w", gf.lease, err)
	}
	exits, err := exitdial.FromLease(l)
	if err != nil {
		return err
	}
	pool := exitdial.NewPool(exits, log.Named("exits"))
	defer pool.Close()
	g, err := gateway.New(gf.gw, pool, log.Named("gateway"))
	if err != nil {
		return err
	}
	defer g.Close()
	if gf.socks != "" {
		addr, err := g.ListenSOCKS5(gf.socks)
		if err != nil {
			return err
		}
		log.Info("SOCKS5 proxy ready", zap.String("proxy", "socks5h://"+addr.String()))
	}
	if gf.http != "" {
		addr, err := g.ListenHTTP(gf.http)
		if err != nil {
			return err
		}
		log.Info("HTTP proxy ready", zap.String("proxy", "http://"+addr.String()))
	}
	log.Info("gateway running", zap.String("lease", l.ID), zap.Int("exits", len(exits)))
	fetch := func(ctx context.Context) (*api.Lease, error) { return bc.Lease(ctx, gf.lease) }
	exitdial.KeepFresh(ctx, pool, fetch, gf.refresh, log)
	return nil
}
