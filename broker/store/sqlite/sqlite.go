// Package sqlite is the broker's embedded store: store.Store on a single
// SQLite file, for a broker that runs on one machine (and for the demo).
//
// The database runs in WAL mode so readers never wait for the writer, and
// every write is one BEGIN IMMEDIATE transaction: concurrent writers queue on
// the database lock (up to Config.BusyTimeout) instead of failing half way.
// Each money movement writes its balanced ledger entries and the cached book
// balances it changes in that same transaction, so the ledger balances after
// any crash or retry.
//
// It is not meant for several broker processes sharing one file; at that
// scale use the PostgreSQL store.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/sparelink/sparelink/broker/store"
)

// defaultBusyTimeout is how long a writer waits for the database lock.
const defaultBusyTimeout = 10 * time.Second

// poolSize bounds the open (and idle) connections: enough for concurrent
// readers, few enough that each keeps a warm page cache.
const poolSize = 16

// Config configures Open.
type Config struct {
	// Path is the database file; it is created when missing. Required.
	// It must not contain '?', which would start the connection options.
	Path string
	// BusyTimeout bounds how long a transaction waits for another one's
	// lock. Zero means 10s.
	BusyTimeout time.Duration
	// Now is the clock stamped on rows whose time the caller left zero.
	// Nil means time.Now.
	Now func() time.Time
}

// Store is a store.Store backed by one SQLite database file.
type Store struct {
	db  *sql.DB
	log *zap.Logger
	now func() time.Time
	// writeSem (capacity 1) queues this process's writers in Go, so they
	// wait in order instead of polling in SQLite's busy handler; the busy
	// timeout still covers other processes opening the same file.
	writeSem chan struct{}

	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database at cfg.Path and brings its
// schema up to date.
func Open(ctx context.Context, cfg Config, log *zap.Logger) (*Store, error) {
	if cfg.Path == "" || strings.Contains(cfg.Path, "?") {
		return nil, fmt.Errorf("open sqlite store: path %q: %w", cfg.Path, store.ErrInvalid)
	}
	if log == nil {
		log = zap.NewNop()
	}
	if cfg.BusyTimeout <= 0 {
		cfg.BusyTimeout = defaultBusyTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	db, err := sql.Open("sqlite", dsn(cfg))
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", cfg.Path, err)
	}
	db.SetMaxOpenConns(poolSize)
	db.SetMaxIdleConns(poolSize)
	s := &Store{db: db, log: log.Named("sqlite"), now: cfg.Now, writeSem: make(chan struct{}, 1)}
	if err := s.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", cfg.Path, err)
	}
	s.log.Info("store opened", zap.String("path", cfg.Path))
	return s, nil
}

// dsn builds the driver's connection string: every pooled connection gets
// the same pragmas, and non-read-only transactions begin IMMEDIATE.
func dsn(cfg Config) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", cfg.BusyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Set("_txlock", "immediate")
	return cfg.Path + "?" + q.Encode()
}

// Close closes the database. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closeErr = s.db.Close()
		if s.closeErr != nil {
			s.closeErr = fmt.Errorf("close sqlite store: %w", s.closeErr)
		}
	})
	return s.closeErr
}

// write runs fn in one BEGIN IMMEDIATE transaction and commits it when fn
// returns nil, running the whole transaction again if the database stays
// locked (see retryBusy). fn must do all its reads through tx: the write
// lock is held for the whole function.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	release, err := s.lockWrites(ctx)
	if err != nil {
		return err
	}
	defer release()
	return s.retryBusy(ctx, func() error {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		if err := fn(tx); err != nil {
			_ = tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	})
}

// exec runs one writing statement in its own transaction, queued behind
// the other writers like write.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	release, err := s.lockWrites(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	var res sql.Result
	err = s.retryBusy(ctx, func() error {
		res, err = s.db.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

// lockWrites waits for this process's write turn or for ctx to end.
func (s *Store) lockWrites(ctx context.Context) (release func(), err error) {
	select {
	case s.writeSem <- struct{}{}:
		return func() { <-s.writeSem }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("wait to write: %w", ctx.Err())
	}
}

// read runs fn in a read-only transaction, so that several queries see
// one consistent snapshot.
func (s *Store) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	return fn(tx)
}

// queryer is what both *sql.DB and *sql.Tx offer for reads.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// notFound turns sql.ErrNoRows into store.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}
