package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/sparelink/sparelink/broker/store"
)

// Credit moves amountMicros from external funding to the account's
// available balance; it must be within 1..store.MaxAmountMicros. A
// repeated non-empty idemKey for the same account returns the first
// transaction's ID and writes nothing; the same key with another amount is
// store.ErrIdempotencyMismatch. An empty idemKey is never deduplicated.
func (s *Store) Credit(ctx context.Context, idemKey, accountID string, amountMicros int64) (string, error) {
	if amountMicros <= 0 || amountMicros > store.MaxAmountMicros {
		return "", fmt.Errorf("credit %s: amount %d: %w", accountID, amountMicros, store.ErrInvalid)
	}
	var txnID string
	err := s.write(ctx, func(tx pgx.Tx) error {
		var err error
		txnID, err = s.credit(ctx, tx, idemKey, accountID, amountMicros)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("credit %s: %w", accountID, constraint(err))
	}
	return txnID, nil
}

// credit is Credit inside its transaction.
func (s *Store) credit(ctx context.Context, tx pgx.Tx, idemKey, accountID string, amount int64) (string, error) {
	if idemKey != "" {
		if err := lockIdempotencyKey(ctx, tx, lockCredit, accountID, idemKey); err != nil {
			return "", err
		}
		var (
			prevAmount int64
			prevTxn    string
		)
		err := tx.QueryRow(ctx, `SELECT amount, txn_id FROM credits WHERE account_id = $1 AND idem_key = $2`,
			accountID, idemKey).Scan(&prevAmount, &prevTxn)
		switch {
		case err == nil && prevAmount != amount:
			return "", fmt.Errorf("key %q was used for %d: %w", idemKey, prevAmount, store.ErrIdempotencyMismatch)
		case err == nil:
			return prevTxn, nil
		case !errors.Is(err, pgx.ErrNoRows):
			return "", err
		}
	}
	if _, err := account(ctx, tx, accountID); err != nil {
		return "", err
	}
	txnID, err := s.post(ctx, tx, "",
		posting{fundingBook, -amount, kindCredit},
		posting{availableBook(accountID), amount, kindCredit})
	if err != nil || idemKey == "" {
		return txnID, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO credits (account_id, idem_key, amount, txn_id) VALUES ($1, $2, $3, $4)`,
		accountID, idemKey, amount, txnID)
	return txnID, err
}

// Balance returns the account's buyer balances (available, held) and its
// operator earnings, read from one snapshot; books never written count as
// 0. An unknown account is store.ErrNotFound.
func (s *Store) Balance(ctx context.Context, accountID string) (store.Balance, error) {
	b := store.Balance{AccountID: accountID}
	err := s.read(ctx, func(tx pgx.Tx) error {
		if _, err := account(ctx, tx, accountID); err != nil {
			return err
		}
		var err error
		if b.AvailableMicros, err = balance(ctx, tx, availableBook(accountID), false); err != nil {
			return err
		}
		if b.HeldMicros, err = balance(ctx, tx, heldBook(accountID), false); err != nil {
			return err
		}
		b.EarnedMicros, err = balance(ctx, tx, sellerBook(accountID), false)
		return err
	})
	if err != nil {
		return store.Balance{}, fmt.Errorf("balance of %s: %w", accountID, err)
	}
	return b, nil
}

// Ledger lists the entries of the account's books with ID above afterID,
// in ID order. limit is clamped to 1..1000; 0 means 100. An unknown
// account is store.ErrNotFound.
// Entries of one account get their IDs in commit order (see
// lockAccounts), so paging by ID never skips an entry committed later.
func (s *Store) Ledger(ctx context.Context, accountID string, afterID int64, limit int) ([]store.LedgerEntry, error) {
	var entries []store.LedgerEntry
	err := s.read(ctx, func(tx pgx.Tx) error {
		if _, err := account(ctx, tx, accountID); err != nil {
			return err
		}
		var err error
		entries, err = ledgerPage(ctx, tx, accountID, afterID, clampLimit(limit))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ledger of %s: %w", accountID, err)
	}
	return entries, nil
}

// ledgerPage reads one page of an account's entries.
func ledgerPage(ctx context.Context, q querier, accountID string, afterID int64, limit int) ([]store.LedgerEntry, error) {
	rows, err := q.Query(ctx, `SELECT id, txn_id, book, account_id, amount, kind, lease_id, created_at
		FROM ledger_entries WHERE account_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
		accountID, afterID, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.LedgerEntry, error) {
		var (
			e  store.LedgerEntry
			at int64
		)
		err := r.Scan(&e.ID, &e.TxnID, &e.Book, &e.AccountID, &e.AmountMicros, &e.Kind, &e.LeaseID, &at)
		e.CreatedAt = fromNanos(at)
		return e, err
	})
}
