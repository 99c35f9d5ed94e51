package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/sparelink/sparelink/broker/store"
)

// idemColumns is the column list scanIdem expects.
const idemColumns = `account_id, idem_key, request_hash, token, complete, status, content_type, body, created_at`

func scanIdem(row interface{ Scan(...any) error }) (store.IdempotencyRecord, error) {
	var (
		r        store.IdempotencyRecord
		complete int
		created  int64
	)
	err := row.Scan(&r.AccountID, &r.Key, &r.RequestHash, &r.Token, &complete, &r.Status,
		&r.ContentType, &r.Body, &created)
	r.Complete, r.CreatedAt = complete == 1, fromNanos(created)
	return r, err
}

// ClaimIdempotency claims the key for r unless a live record holds it; see
// store.Store.
func (s *Store) ClaimIdempotency(ctx context.Context, r store.IdempotencyRecord, staleBefore time.Time) (store.IdempotencyRecord, bool, error) {
	if r.AccountID == "" || r.Key == "" || r.Token == "" {
		return store.IdempotencyRecord{}, false, fmt.Errorf("claim idempotency key: %w", store.ErrInvalid)
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = s.now()
	}
	r.Complete, r.Status, r.ContentType, r.Body = false, 0, "", nil
	var (
		stored  store.IdempotencyRecord
		claimed bool
	)
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		stored, claimed, err = claimIdem(ctx, tx, r, staleBefore)
		return err
	})
	if err != nil {
		return stored, false, fmt.Errorf("claim idempotency key %q of %s: %w", r.Key, r.AccountID, err)
	}
	return stored, claimed, nil
}

// claimIdem is ClaimIdempotency inside its transaction.
func claimIdem(ctx context.Context, tx *sql.Tx, r store.IdempotencyRecord, staleBefore time.Time) (store.IdempotencyRecord, bool, error) {
	prev, err := scanIdem(tx.QueryRowContext(ctx, `SELECT `+idemColumns+` FROM idempotency
		WHERE account_id = ? AND idem_key = ?`, r.AccountID, r.Key))
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return store.IdempotencyRecord{}, false, err
	case !bytes.Equal(prev.RequestHash, r.RequestHash):
		return prev, false, store.ErrIdempotencyMismatch
	case prev.Complete || !prev.CreatedAt.Before(staleBefore):
		return prev, false, nil
	}
	hash := r.RequestHash
	if hash == nil {
		hash = []byte{}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO idempotency (`+idemColumns+`)
		VALUES (?, ?, ?, ?, 0, 0, '', x'', ?)
		ON CONFLICT (account_id, idem_key) DO UPDATE SET
			token = excluded.token, created_at = excluded.created_at`,
		r.AccountID, r.Key, hash, r.Token, toNanos(r.CreatedAt))
	if err != nil {
		return store.IdempotencyRecord{}, false, err
	}
	return r, true, nil
}

// Idempotency reads one record, or store.ErrNotFound.
func (s *Store) Idempotency(ctx context.Context, accountID, key string) (store.IdempotencyRecord, error) {
	r, err := scanIdem(s.db.QueryRowContext(ctx, `SELECT `+idemColumns+` FROM idempotency
		WHERE account_id = ? AND idem_key = ?`, accountID, key))
	if err != nil {
		return store.IdempotencyRecord{}, fmt.Errorf("idempotency key %q of %s: %w", key, accountID, notFound(err))
	}
	return r, nil
}

// CompleteIdempotency stores the answer of the claim r.Token made.
func (s *Store) CompleteIdempotency(ctx context.Context, r store.IdempotencyRecord) error {
	body := r.Body
	if body == nil {
		body = []byte{}
	}
	res, err := s.exec(ctx, `UPDATE idempotency SET complete = 1, status = ?, content_type = ?, body = ?
		WHERE account_id = ? AND idem_key = ? AND token = ? AND complete = 0`,
		r.Status, r.ContentType, body, r.AccountID, r.Key, r.Token)
	if err == nil {
		err = oneRow(res, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("complete idempotency key %q of %s: %w", r.Key, r.AccountID, err)
	}
	return nil
}

// ReleaseIdempotency deletes the pending record token claimed.
func (s *Store) ReleaseIdempotency(ctx context.Context, accountID, key, token string) error {
	_, err := s.exec(ctx, `DELETE FROM idempotency
		WHERE account_id = ? AND idem_key = ? AND token = ? AND complete = 0`, accountID, key, token)
	if err != nil {
		return fmt.Errorf("release idempotency key %q of %s: %w", key, accountID, err)
	}
	return nil
}

// PruneIdempotency deletes the records claimed before before.
func (s *Store) PruneIdempotency(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM idempotency WHERE created_at < ?`, toNanos(before))
	if err != nil {
		return 0, fmt.Errorf("prune idempotency keys: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune idempotency keys: %w", err)
	}
	return n, nil
}

// oneRow returns missing unless res changed exactly one row.
func oneRow(res sql.Result, missing error) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return missing
	}
	return nil
}
