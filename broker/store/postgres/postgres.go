// Package postgres is the broker's store for more than one machine:
// store.Store on a PostgreSQL database, so that several broker replicas
// can serve the same market. It keeps exactly the rules of the embedded
// SQLite store (broker/store/sqlite); the conformance suite in
// broker/store/storetest runs against both.
//
// # Concurrency
//
// Every method that moves money is one transaction at READ COMMITTED with
// explicit locks, rather than SERIALIZABLE: the locks make the waits
// deterministic, where serializable snapshot isolation on small, hot tables
// aborts many transactions that never conflicted. The rules:
//
//   - A request carrying an idempotency key first takes a transaction-level
//     advisory lock on (account, key), so retries of one request run one
//     after the other and the second sees what the first committed.
//   - Settle and CloseLease lock the lease row (FOR NO KEY UPDATE) before
//     anything else, so receipts for one lease apply one at a time and the
//     hold can never be over-charged. CreateLease locks the buyer's
//     available book before checking the balance.
//   - Cached book balances are updated in book-name order, so two
//     transactions never wait for each other's books in opposite orders.
//
// A transaction that still ends in a deadlock (40P01) or a serialization
// failure (40001) is run again from the start, a bounded number of times,
// with jittered exponential backoff.
//
// Every money movement also updates the shared books it touches
// (external:funding for credits, broker:fees for settlements) in the same
// transaction, so those rows serialise credits and fee-bearing receipts
// across replicas. That keeps CheckLedger exact; it is the first thing to
// revisit if settlement throughput ever needs to scale past one row lock.
package postgres

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/store"
)

// defaultMaxConns bounds the pool when Config.MaxConns is zero.
const defaultMaxConns = 16

// Config configures Open.
type Config struct {
	// URL is a PostgreSQL connection URL or keyword/value string, as libpq
	// accepts it ("postgres://user:pass@host:5432/db?sslmode=require").
	// Required.
	URL string
	// MaxConns bounds the connections this store keeps open. Zero means 16.
	MaxConns int32
	// Now is the clock stamped on rows whose time the caller left zero.
	// Nil means time.Now.
	Now func() time.Time
}

// Store is a store.Store backed by a PostgreSQL database. Several Stores,
// in one process or many, may share a database.
type Store struct {
	pool *pgxpool.Pool
	log  *zap.Logger
	now  func() time.Time

	closeOnce sync.Once
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at cfg.URL and brings its schema up to
// date. Brokers starting together apply each migration once: the first
// takes an advisory lock, the others wait for it.
func Open(ctx context.Context, cfg Config, log *zap.Logger) (*Store, error) {
	if log == nil {
		log = zap.NewNop()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = defaultMaxConns
	}
	if cfg.URL == "" {
		return nil, fmt.Errorf("open postgres store: empty URL: %w", store.ErrInvalid)
	}
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		// The parse error may quote the URL, password included.
		return nil, fmt.Errorf("open postgres store: cannot parse the URL: %w", store.ErrInvalid)
	}
	pc.MaxConns = cfg.MaxConns
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	s := &Store{pool: pool, log: log.Named("postgres"), now: cfg.Now}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres store %s: %w", describe(pc), err)
	}
	s.log.Info("store opened", zap.String("database", describe(pc)))
	return s, nil
}

// describe names the database without credentials, for logs and errors.
func describe(pc *pgxpool.Config) string {
	return fmt.Sprintf("%s@%s:%d/%s", pc.ConnConfig.User, pc.ConnConfig.Host, pc.ConnConfig.Port, pc.ConnConfig.Database)
}

// Close closes every connection, waiting for those in use to be returned.
// It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(s.pool.Close)
	return nil
}
