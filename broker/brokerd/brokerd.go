// Package brokerd runs the broker as a service: it opens the store in the
// data directory, keeps the token signing key and the first admin key
// there, serves the REST API over HTTP and sweeps expired leases. It is
// what cmd/sparelink-broker starts.
package brokerd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker"
	"github.com/sparelink/sparelink/broker/store/sqlite"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/lease"
)

// Config configures the service. The zero value listens on
// 127.0.0.1:8400 with its data in ./sparelink-broker.
type Config struct {
	Listen  string
	DataDir string
	// DB is the SQLite file; empty means broker.db in DataDir.
	DB           string
	FeeBPS       int64
	HeartbeatTTL time.Duration
	TokenTTL     time.Duration
	// SweepInterval between expiry sweeps; zero means 5s.
	SweepInterval time.Duration
}

// File names inside the data directory.
const (
	TokenKeyFile = "token.key" // Ed25519 key that signs lease tokens
	AdminKeyFile = "admin.key" // the first admin API key, written once
)

// Run serves until ctx is done. ready, if not nil, is called with the
// broker's base URL once it accepts connections.
func Run(ctx context.Context, cfg Config, log *zap.Logger, ready func(url string)) error {
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:8400"
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "sparelink-broker"
	}
	if cfg.DB == "" {
		cfg.DB = filepath.Join(cfg.DataDir, "broker.db")
	}
	if cfg.SweepInterval == 0 {
		cfg.SweepInterval = 5 * time.Second
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	signer, err := loadSigner(filepath.Join(cfg.DataDir, TokenKeyFile))
	if err != nil {
		return err
	}
	st, err := sqlite.Open(ctx, sqlite.Config{Path: cfg.DB}, log.Named("store"))
	if err != nil {
		return err
	}
	defer st.Close()
	b, err := broker.New(broker.Config{
		Signer: signer, FeeBPS: cfg.FeeBPS,
		HeartbeatTTL: cfg.HeartbeatTTL, TokenTTL: cfg.TokenTTL,
	}, st, log)
	if err != nil {
		return err
	}
	if err := bootstrapAdmin(ctx, b, filepath.Join(cfg.DataDir, AdminKeyFile), log); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return serve(ctx, cfg, b, ln, log, ready)
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

// loadSigner keeps the token signing key across restarts, so tokens issued
// before a restart stay valid until they expire.
func loadSigner(path string) (lease.Signer, error) {
	k, _, err := identity.LoadOrCreate(path)
	if err != nil {
		return lease.Signer{}, fmt.Errorf("token signing key: %w", err)
	}
	return lease.Signer{KeyID: lease.KeyID(k.Public()), Key: k.Private}, nil
}

// bootstrapAdmin creates the first admin key on an empty store and writes
// it, once, to path with 0600 permissions.
func bootstrapAdmin(ctx context.Context, b *broker.Broker, path string, log *zap.Logger) error {
	key, created, err := b.EnsureAdmin(ctx, "admin")
	if err != nil {
		return fmt.Errorf("bootstrap admin: %w", err)
	}
	if !created {
		return nil
	}
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return fmt.Errorf("write admin key: %w", err)
	}
	log.Info("created the first admin key", zap.String("file", path))
	return nil
}
