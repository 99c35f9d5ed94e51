// Package brokerd runs the broker as a service: it opens the store named
// by a store URL (SQLite in the data directory by default, or PostgreSQL),
// keeps the token signing key, the registration challenge secret and the
// first admin key in the data directory, serves the REST API over HTTP and
// sweeps expired leases. It is what cmd/sparelink-broker starts.
//
// Several brokers may serve one market from one PostgreSQL database; they
// must then share token.key and challenge.key (copy them into every
// broker's data directory), so that tokens and registration challenges
// issued by one broker are accepted by the others.
package brokerd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker"
	"github.com/sparelink/sparelink/broker/store"
)

// Config configures the service. The zero value listens on
// 127.0.0.1:8400 with its data in ./sparelink-broker.
type Config struct {
	Listen  string
	DataDir string
	// Store is a store URL (see ParseStoreURL): sqlite:///path/broker.db
	// or postgres://user@host/db. Empty means broker.db in DataDir.
	Store        string
	FeeBPS       int64
	HeartbeatTTL time.Duration
	TokenTTL     time.Duration
	// SweepInterval between expiry sweeps; zero means 5s.
	SweepInterval time.Duration
	// WebhookInsecure lets webhooks use http URLs and private or loopback
	// addresses. It is for development and tests on one machine only.
	WebhookInsecure bool
	// Prices is a price table file (broker.LoadPriceTable); empty: none,
	// leases pay their exits' floors.
	Prices string
	// RateLimit and RateBurst limit each API key; zero: the broker's
	// defaults.
	RateLimit float64
	RateBurst int
	// LowBalanceMicros raises low_balance webhooks; zero: the default.
	LowBalanceMicros int64
	// ExitCheckInterval between reachability checks of every online
	// exit; zero: the broker's default (1m); negative: no checks.
	ExitCheckInterval time.Duration
	// ExitCheckPrivate lets exit checks reach loopback and private
	// addresses (development and closed networks only).
	ExitCheckPrivate bool
	// STUNListen, when set, serves STUN on this UDP address for agents'
	// NAT checks and ICE; STUNAltListen is the second address (another
	// port, ideally another IP) for NAT behaviour tests. See docs/nat.md.
	STUNListen, STUNAltListen string
}

// File names inside the data directory.
const (
	TokenKeyFile     = "token.key"     // Ed25519 key that signs lease tokens
	ChallengeKeyFile = "challenge.key" // secret that keys node registration challenges
	AdminKeyFile     = "admin.key"     // the first admin API key, written once
)

// Run serves until ctx is done. ready, if not nil, is called with the
// broker's base URL once it accepts connections.
func Run(ctx context.Context, cfg Config, log *zap.Logger, ready func(url string)) error {
	cfg, err := withDefaults(cfg)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	st, err := OpenStore(ctx, cfg.Store, log.Named("store"))
	if err != nil {
		return err
	}
	defer st.Close()
	b, err := newBroker(cfg, st, log)
	if err != nil {
		return err
	}
	if err := bootstrapAdmin(ctx, b, filepath.Join(cfg.DataDir, AdminKeyFile), log); err != nil {
		return err
	}
	jobs := map[string]func(context.Context) error{"webhook delivery": b.DeliverWebhooks}
	if cfg.ExitCheckInterval >= 0 {
		jobs["exit checks"] = b.CheckExits
	}
	defer background(ctx, jobs, log)()
	if cfg.STUNListen != "" {
		stunSrv, err := broker.ListenSTUN(broker.STUNConfig{Listen: cfg.STUNListen, AltListen: cfg.STUNAltListen}, log)
		if err != nil {
			return err
		}
		defer stunSrv.Close()
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return serve(ctx, cfg, b, ln, log, ready)
}

// withDefaults fills in the zero fields of cfg and checks the store URL
// before anything touches the disk or the network.
func withDefaults(cfg Config) (Config, error) {
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:8400"
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "sparelink-broker"
	}
	if cfg.SweepInterval == 0 {
		cfg.SweepInterval = 5 * time.Second
	}
	if cfg.Store == "" {
		def, err := DefaultStoreURL(cfg.DataDir)
		if err != nil {
			return cfg, err
		}
		cfg.Store = def
	}
	_, err := ParseStoreURL(cfg.Store)
	return cfg, err
}

// newBroker builds the broker on st with the keys kept in the data
// directory.
func newBroker(cfg Config, st store.Store, log *zap.Logger) (*broker.Broker, error) {
	signer, err := loadSigner(filepath.Join(cfg.DataDir, TokenKeyFile))
	if err != nil {
		return nil, err
	}
	secret, err := loadSecret(filepath.Join(cfg.DataDir, ChallengeKeyFile))
	if err != nil {
		return nil, err
	}
	bc := broker.Config{
		Signer: signer, ChallengeSecret: secret, FeeBPS: cfg.FeeBPS,
		HeartbeatTTL: cfg.HeartbeatTTL, TokenTTL: cfg.TokenTTL, WebhookInsecure: cfg.WebhookInsecure,
		RateLimit: cfg.RateLimit, RateBurst: cfg.RateBurst, LowBalanceMicros: cfg.LowBalanceMicros,
		ExitCheckInterval: max(cfg.ExitCheckInterval, 0), ExitCheckPrivate: cfg.ExitCheckPrivate,
	}
	if cfg.Prices != "" {
		if bc.Prices, err = broker.LoadPriceTable(cfg.Prices); err != nil {
			return nil, err
		}
	}
	return broker.New(bc, st, log)
}

// background runs the broker's background jobs (webhook delivery, exit
// checks) until the returned stop is called, which waits for them to end
// (before the store closes). Every replica sharing a store may run them:
// delivery claims are exclusive, and checks only add measurements.
func background(ctx context.Context, jobs map[string]func(context.Context) error, log *zap.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for name, run := range jobs {
		wg.Go(func() {
			if err := run(ctx); err != nil {
				log.Error(name+" stopped", zap.Error(err))
			}
		})
	}
	return func() {
		cancel()
		wg.Wait()
	}
}

func serve(ctx context.Context, cfg Config, b *broker.Broker, ln net.Listener, log *zap.Logger, ready func(string)) error {
	srv := &http.Server{Handler: b.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	url := "http://" + ln.Addr().String()
	log.Info("broker listening", zap.String("url", url))
	if ready != nil {
		ready(url)
	}
	t := time.NewTicker(cfg.SweepInterval)
	defer t.Stop()
	for {
		select {
		case err := <-errc:
			return fmt.Errorf("serve: %w", err)
		case <-t.C:
			if err := b.Sweep(ctx); err != nil && ctx.Err() == nil {
				log.Warn("sweep expired leases", zap.Error(err))
			}
		case <-ctx.Done():
			shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := srv.Shutdown(shutCtx)
			if e := <-errc; !errors.Is(e, http.ErrServerClosed) && err == nil {
				err = e
			}
			log.Info("broker stopped")
			return err
		}
	}
}
