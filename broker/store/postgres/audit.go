package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/store"
)

// Audit queries, each yielding one integer. They run in one snapshot so
// that all four describe the same state.
const (
	auditSum = `SELECT COALESCE(SUM(amount), 0)::BIGINT FROM ledger_entries`

	auditUnbalanced = `SELECT COUNT(*) FROM (
		SELECT txn_id FROM ledger_entries GROUP BY txn_id HAVING SUM(amount) <> 0) AS t`

	// A book mismatches when its cached balance differs from the sum of its
	// entries, including entries whose book has no cached row at all.
	auditMismatches = `SELECT
		(SELECT COUNT(*) FROM books b
			WHERE b.balance <> (SELECT COALESCE(SUM(e.amount), 0)
				FROM ledger_entries e WHERE e.book = b.name))
		+
		(SELECT COUNT(*) FROM (SELECT DISTINCT e.book FROM ledger_entries e
			WHERE NOT EXISTS (SELECT 1 FROM books b WHERE b.name = e.book)) AS orphans)`

	auditNegative = `SELECT COUNT(*) FROM books
		WHERE class IN ('` + classAvailable + `', '` + classHeld + `') AND balance < 0`
)

// CheckLedger audits the whole ledger: the sum of all entries, transactions
// that do not sum to zero, cached book balances that disagree with their
// entries, and buyer balances below zero. It reads every entry, so it is
// for tests, the demo and periodic audits, not for request paths.
func (s *Store) CheckLedger(ctx context.Context) (store.LedgerCheck, error) {
	var (
		c                         store.LedgerCheck
		unbalanced, mism, negBook int64
	)
	err := s.read(ctx, func(tx pgx.Tx) error {
		for _, q := range []struct {
			sql string
			dst *int64
		}{
			{auditSum, &c.SumMicros},
			{auditUnbalanced, &unbalanced},
			{auditMismatches, &mism},
			{auditNegative, &negBook},
		} {
			if err := tx.QueryRow(ctx, q.sql).Scan(q.dst); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return store.LedgerCheck{}, fmt.Errorf("check ledger: %w", err)
	}
	c.UnbalancedTxns, c.BookMismatches, c.NegativeBalances = int(unbalanced), int(mism), int(negBook)
	if !c.Balanced() {
		s.log.Warn("ledger audit failed", zap.Int64("sum_micros", c.SumMicros),
			zap.Int("unbalanced_txns", c.UnbalancedTxns), zap.Int("book_mismatches", c.BookMismatches),
			zap.Int("negative_balances", c.NegativeBalances))
	}
	return c, nil
}
