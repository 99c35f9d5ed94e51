package bench

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker"
	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/broker/store/postgres"
	"github.com/sparelink/sparelink/internal/lease"
	"github.com/sparelink/sparelink/internal/pgtest"
)

// ReplicaConfig sizes the replica measurements. The zero value runs a
// fleet of 100,000 nodes behind 1, 2 and 3 replicas, each throughput for
// 3s with 8 concurrent clients, each replica with a pool of 8 connections.
type ReplicaConfig struct {
	// Nodes is the size of the simulated fleet.
	Nodes int
	// Replicas are the replica counts measured.
	Replicas []int
	// Duration is how long each throughput measurement runs.
	Duration time.Duration
	// Workers is how many clients send requests at once, spread round
	// robin over the replicas.
	Workers int
	// PoolConns is each replica's PostgreSQL pool size.
	PoolConns int32
}

func (c ReplicaConfig) withDefaults() ReplicaConfig {
	if c.Nodes <= 0 {
		c.Nodes = 100_000
	}
	if len(c.Replicas) == 0 {
		c.Replicas = []int{1, 2, 3}
	}
	c.Replicas = slices.Compact(slices.Sorted(slices.Values(c.Replicas)))
	c.Duration = positive(c.Duration, 3*time.Second)
	c.Workers = positive(c.Workers, 8)
	c.PoolConns = positive(c.PoolConns, 8)
	return c
}

func positive[T int | int32 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// ErrUnbalanced means the ledger did not balance after a measurement.
var ErrUnbalanced = errors.New("ledger unbalanced after the replica run")

// ReplicaRun measures heartbeats and lease creates per second through 1,
// 2 and 3 broker replicas (cfg.Replicas) sharing one throwaway
// PostgreSQL, with clients spread over them round robin, and then audits
// the ledger through every replica. Rows with more than one replica have
// the one-replica row as their baseline. Without PostgreSQL server
// binaries it returns no rows and an error wrapping pgtest.ErrMissing.
func ReplicaRun(ctx context.Context, cfg ReplicaConfig, log *zap.Logger) ([]Result, error) {
	cfg = cfg.withDefaults()
	url, stop, err := pgtest.StartServer()
	if err != nil {
		return nil, err
	}
	fleet, err := newFleet(ctx, url, cfg, log)
	if err != nil {
		return nil, errors.Join(err, stop())
	}
	figs, err := fleet.measure(ctx, cfg)
	err = errors.Join(err, fleet.close(), stop())
	if err != nil {
		return nil, fmt.Errorf("replica bench: %w", err)
	}
	rows := replicaResults(figs, cfg.Nodes)
	logReplicaRows(log, rows)
	return rows, nil
}

// replicaFleet is the brokers sharing one database and the market they
// serve.
type replicaFleet struct {
	stores  []store.Store
	servers []*http.Server
	urls    []string
	market  *brokerMarket // accounts and nodes, made through replica 0
	buyer   string        // API keys
	ops     []string
	admin   string
}

// newFleet opens one store and starts one broker per replica, the most
// cfg.Replicas asks for, sharing the token signer and challenge secret,
// then seeds the market through the first.
func newFleet(ctx context.Context, url string, cfg ReplicaConfig, log *zap.Logger) (*replicaFleet, error) {
	signer, err := lease.NewSigningKey()
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret) // never fails (crypto/rand)
	f := &replicaFleet{}
	for i := range slices.Max(cfg.Replicas) {
		if err := f.start(ctx, url, cfg.PoolConns, broker.Config{Signer: signer, ChallengeSecret: secret,
			HeartbeatTTL: time.Hour, RateLimit: -1}, log.Named(fmt.Sprintf("replica%d", i))); err != nil {
			return nil, errors.Join(err, f.close())
		}
	}
	if err := f.populate(ctx, cfg.Nodes); err != nil {
		return nil, errors.Join(err, f.close())
	}
	return f, nil
}

// start opens a store with its own pool, as a separate broker process
// would, and serves a broker on it on loopback.
func (f *replicaFleet) start(ctx context.Context, url string, conns int32, bc broker.Config, log *zap.Logger) error {
	st, err := postgres.Open(ctx, postgres.Config{URL: url, MaxConns: conns}, log)
	if err != nil {
		return err
	}
	f.stores = append(f.stores, st)
	b, err := broker.New(bc, st, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: b.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	f.servers, f.urls = append(f.servers, srv), append(f.urls, "http://"+ln.Addr().String())
	if len(f.servers) == 1 {
		key, _, err := b.EnsureAdmin(ctx, "root")
		f.admin = key
		return err
	}
	return nil
}

func (f *replicaFleet) close() error {
	var errs []error
	for _, s := range f.servers {
		errs = append(errs, s.Close())
	}
	for _, st := range f.stores {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}
