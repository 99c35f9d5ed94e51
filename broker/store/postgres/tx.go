package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"go.uber.org/zap"
)

// Retry bounds: a transaction runs at most maxAttempts times, sleeping a
// random duration below min(maxBackoff, baseBackoff<<attempt) in between
// ("full jitter", so that colliding transactions spread out).
const (
	maxAttempts = 10
	baseBackoff = 2 * time.Millisecond
	maxBackoff  = 250 * time.Millisecond
)

// SQLSTATE codes the store reacts to.
const (
	codeSerialization = "40001" // serialization_failure
	codeDeadlock      = "40P01" // deadlock_detected
	codeUnique        = "23505" // unique_violation
	codeForeignKey    = "23503" // foreign_key_violation
	classDataError    = "22"    // data_exception: a value PostgreSQL cannot store
)

// querier is what pools and transactions both offer.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// readCommitted is the isolation of every writing transaction; see the
// package comment for the locks that make it safe.
var readCommitted = pgx.TxOptions{IsoLevel: pgx.ReadCommitted}

// snapshot is for reads that must see one consistent state.
var snapshot = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}

// write runs fn in one READ COMMITTED transaction, retried as a whole on
// deadlocks and serialization failures. fn must not keep state between
// attempts other than its results.
func (s *Store) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return s.retry(ctx, func() error { return s.inTx(ctx, readCommitted, fn) })
}

// read runs fn in a read-only snapshot transaction.
func (s *Store) read(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return s.retry(ctx, func() error { return s.inTx(ctx, snapshot, fn) })
}

// exec runs one writing statement, retried like write.
func (s *Store) exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	var tag pgconn.CommandTag
	err := s.retry(ctx, func() error {
		var err error
		tag, err = s.pool.Exec(ctx, sql, args...)
		return err
	})
	return tag, err
}

// inTx runs fn in one transaction and commits it when fn returns nil.
func (s *Store) inTx(ctx context.Context, opts pgx.TxOptions, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }() // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// retry calls run until it succeeds, fails for a reason a retry cannot
// fix, or has run maxAttempts times.
func (s *Store) retry(ctx context.Context, run func() error) error {
	for attempt := 1; ; attempt++ {
		err := run()
		if err == nil || !retryable(err) {
			return err
		}
		if attempt == maxAttempts {
			return fmt.Errorf("gave up after %d attempts: %w", attempt, err)
		}
		s.log.Debug("retrying transaction", zap.Int("attempt", attempt), zap.Error(err))
		t := time.NewTimer(backoff(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("retry after %v: %w", err, ctx.Err())
		case <-t.C:
		}
	}
}

// retryable reports whether running the whole transaction again may
// succeed: PostgreSQL chose it as the victim of a deadlock or of a
// serialization conflict.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == codeSerialization || pe.Code == codeDeadlock)
}

// backoff is the random pause before attempt+1.
func backoff(attempt int) time.Duration {
	ceil := min(maxBackoff, baseBackoff<<min(attempt, 16))
	return rand.N(ceil) + 1
}
