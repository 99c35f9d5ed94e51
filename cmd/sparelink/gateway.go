package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/client/gateway"
	"github.com/sparelink/sparelink/client/natdial"
	"github.com/sparelink/sparelink/internal/cli"
	"github.com/sparelink/sparelink/relay/punch"
)

type gatewayFlags struct {
	api         apiFlags
	lease       string
	create      bool
	keepLease   bool
	lf          leaseFlags
	socks, http string
	gw          gateway.Config
	refresh     time.Duration
	stun        string
	nat         natdial.LeaseConfig // set by runGateway from --stun
}

func gatewayCommand(common *cli.Common) *cobra.Command {
	var gf gatewayFlags
	cmd := &cobra.Command{
		Use:   "gateway",
		Short: "Serve a local SOCKS5 and HTTP proxy through a lease's exits",
		Long: `gateway serves, on loopback, a SOCKS5 proxy (CONNECT and UDP ASSOCIATE) and
an HTTP proxy (CONNECT and plain forward proxying) that send every
connection through the exits of a lease: the one named by --lease, or a new
one bought with --create and the coverage flags (closed again when the
gateway stops, unless --keep-lease). It uses your login (sparelink login),
or --broker and --key / ` + cli.EnvName("key") + `.

The lease's mode decides how exits are used: rotating spreads connections
over the exits, sticky keeps each session on one exit and moves it when that
exit dies, strict never moves a session. A session is named by the SOCKS
username (with --username set: <username>-session-<name>) or the
` + gateway.SessionHeader + ` header, and is the destination host otherwise.
Exits are health-checked continuously; new connections leave a dead exit
within seconds, and exits the lease gains are picked up at each --refresh.
Exits behind NAT are signalled through the broker and reached over a
punched path (which needs --stun, the broker's STUN server) or through
their rendezvous relay.

  sparelink gateway --create --country DE --exits 2
  curl -x socks5h://127.0.0.1:1080 https://example.com/
  curl -x http://127.0.0.1:8080 https://example.com/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := common.Setup(cmd)
			if err != nil {
				return err
			}
			defer log.Sync()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runGateway(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), &gf, log)
		},
	}
	addAPIFlags(cmd, &gf.api)
	addLeaseFlags(cmd, &gf.lf)
	f := cmd.Flags()
	f.StringVar(&gf.lease, "lease", "", "lease ID to use")
	f.BoolVar(&gf.create, "create", false, "buy a new lease with the coverage flags instead of --lease")
	f.BoolVar(&gf.keepLease, "keep-lease", false, "with --create, leave the lease open when the gateway stops")
	f.StringVar(&gf.socks, "socks", "127.0.0.1:1080", "SOCKS5 listen address (empty: off)")
	f.StringVar(&gf.http, "http", "127.0.0.1:8080", "HTTP proxy listen address (empty: off)")
	f.StringVar(&gf.gw.Username, "username", "", "require this proxy username")
	f.StringVar(&gf.gw.Password, "password", "", "require this proxy password")
	f.BoolVar(&gf.gw.AllowPublic, "allow-public", false, "allow listening on non-loopback addresses (needs --username and --password)")
	f.StringVar(&gf.stun, "stun", "", "STUN server (host:port, the broker's --stun-listen) for punching to exits behind NAT (empty: reach them through their relays only)")
	f.DurationVar(&gf.refresh, "refresh", time.Minute, "how often to refresh exit tokens and the lease's exits from the broker")
	return cmd
}

func runGateway(ctx context.Context, out, errw io.Writer, gf *gatewayFlags, log *zap.Logger) error {
	if (gf.lease == "") == !gf.create {
		return errors.New("give --lease ID or --create (with coverage flags), not both")
	}
	c, err := gf.api.client()
	if err != nil {
		return err
	}
	l, err := gf.obtain(ctx, c, errw)
	if err != nil {
		return err
	}
	if gf.create && !gf.keepLease {
		defer closeLease(c, l.ID, errw)
	}
	gf.nat = natConfig(gf.stun, l, log)
	exits, err := natdial.FromLease(c, l, gf.nat, log.Named("exits"))
	if err != nil {
		return err
	}
	rc, err := gf.api.leaseReceipts(c, l, log)
	if err != nil {
		return err
	}
	if rc != nil {
		exits = exitdial.WithReceipts(exits, *rc)
	}
	pool := exitdial.NewPool(exits, log.Named("exits"))
	defer pool.Close()
	if rc != nil {
		pool.UseReceipts(*rc)
	}
	return serveLease(ctx, out, gf, c, l, pool, log)
}

// obtain fetches the lease named by --lease or buys one.
func (gf *gatewayFlags) obtain(ctx context.Context, c *client.Client, errw io.Writer) (*api.Lease, error) {
	if !gf.create {
		l, err := c.Lease(ctx, gf.lease)
		if err != nil {
			return nil, fmt.Errorf("fetch lease %s: %w", gf.lease, err)
		}
		return l, nil
	}
	req, key, err := withBuyerKey(gf.lf.request())
	if err != nil {
		return nil, err
	}
	p := startProgress(errw, "buying coverage")
	defer p.end()
	l, err := c.CreateLease(ctx, "", req)
	if err != nil {
		return nil, fmt.Errorf("buy a lease: %w", err)
	}
	return l, gf.api.saveLeaseKey(l.ID, key)
}

func closeLease(c *client.Client, id string, errw io.Writer) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.CloseLease(ctx, id); err != nil {
		fmt.Fprintf(errw, "close lease %s: %v\n", id, err)
		return
	}
	fmt.Fprintf(errw, "Closed lease %s.\n", id)
}

// serveLease runs the gateway over pool until ctx ends, keeping the
// exits health-checked and their tokens and list fresh.
func serveLease(ctx context.Context, out io.Writer, gf *gatewayFlags, c *client.Client, l *api.Lease, pool *exitdial.Pool, log *zap.Logger) error {
	cfg := gf.gw
	cfg.Mode = l.Mode
	cfg.Sessions.OnMove = func(m gateway.SessionMove) {
		log.Warn("session moved off a dead exit", zap.String("from", m.From), zap.String("to", m.To))
	}
	g, err := gateway.New(cfg, pool, log.Named("gateway"))
	if err != nil {
		return err
	}
	defer g.Close()
	ready, err := listen(g, gf)
	if err != nil {
		return err
	}
	ready.LeaseID, ready.Mode, ready.Exits, ready.Created = l.ID, l.Mode, len(l.Exits), gf.create
	if err := ready.print(out, gf.api.json); err != nil {
		return err
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(1)
	go func() { defer wg.Done(); pool.Watch(ctx, exitdial.HealthConfig{}) }()
	fetch := func(ctx context.Context) (*api.Lease, error) { return c.Lease(ctx, l.ID) }
	exitdial.KeepFreshWith(ctx, pool, fetch, natdial.NewLeaseExits(c, gf.nat, log.Named("exits")), gf.refresh, log)
	return nil
}

// natConfig is how the gateway reaches exits behind NAT: punched with
// the STUN server given, else through their relays only, since punching
// without server-reflexive candidates rarely crosses a NAT and costs the
// ICE timeout before the relay is tried.
func natConfig(stunServer string, l *api.Lease, log *zap.Logger) natdial.LeaseConfig {
	if stunServer != "" {
		return natdial.LeaseConfig{Punch: punch.Config{ICEServers: []webrtc.ICEServer{{URLs: []string{"stun:" + stunServer}}}}}
	}
	if behind := natdial.Behind(l); len(behind) > 0 {
		log.Warn("exits behind NAT are reached through their relays only; pass --stun (the broker's STUN server) to punch direct paths",
			zap.Strings("exits", behind))
	}
	return natdial.LeaseConfig{RelayOnly: true}
}
