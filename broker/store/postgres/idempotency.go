package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sparelink/sparelink/broker/store"
)

// idemColumns is the column list scanIdem expects.
const idemColumns = `account_id, idem_key, request_hash, token, complete, status, content_type, body, created_at`

func scanIdem(row pgx.Row) (store.IdempotencyRecord, error) {
	var (
		r       store.IdempotencyRecord
		status  int32
		created int64
	)
	err := row.Scan(&r.AccountID, &r.Key, &r.RequestHash, &r.Token, &r.Complete, &status,
		&r.ContentType, &r.Body, &created)
	r.Status, r.CreatedAt = int(status), fromNanos(created)
	return r, err
}

// ClaimIdempotency claims the key for r unless a live record holds it; see
// store.Store. Claims of one key take its advisory lock first, so two
// brokers racing for a key cannot both win it.
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
	err := s.write(ctx, func(tx pgx.Tx) error {
		var err error
		stored, claimed, err = claimIdem(ctx, tx, r, staleBefore)
		return err
	})
	if err != nil {
		return stored, false, fmt.Errorf("claim idempotency key %q of %s: %w", r.Key, r.AccountID, constraint(err))
	}
	return stored, claimed, nil
}

// claimIdem is ClaimIdempotency inside its transaction.
func claimIdem(ctx context.Context, tx pgx.Tx, r store.IdempotencyRecord, staleBefore time.Time) (store.IdempotencyRecord, bool, error) {
	if err := lockIdempotencyKey(ctx, tx, lockRequest, r.AccountID, r.Key); err != nil {
		return store.IdempotencyRecord{}, false, err
	}
	prev, err := scanIdem(tx.QueryRow(ctx, `SELECT `+idemColumns+` FROM idempotency
		WHERE account_id = $1 AND idem_key = $2`, r.AccountID, r.Key))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return store.IdempotencyRecord{}, false, err
	case !bytes.Equal(prev.RequestHash, r.RequestHash):
		return prev, false, store.ErrIdempotencyMismatch
	case prev.Complete || !prev.CreatedAt.Before(staleBefore):
		return prev, false, nil
	}
	_, err = tx.Exec(ctx, `INSERT INTO idempotency (`+idemColumns+`)
		VALUES ($1, $2, $3, $4, false, 0, '', '\x'::bytea, $5)
		ON CONFLICT (account_id, idem_key) DO UPDATE SET
			token = excluded.token, created_at = excluded.created_at`,
		r.AccountID, r.Key, blob(r.RequestHash), r.Token, toNanos(r.CreatedAt))
	if err != nil {
		return store.IdempotencyRecord{}, false, err
	}
	return r, true, nil
}

// Idempotency reads one record, or store.ErrNotFound.
func (s *Store) Idempotency(ctx context.Context, accountID, key string) (store.IdempotencyRecord, error) {
	r, err := scanIdem(s.pool.QueryRow(ctx, `SELECT `+idemColumns+` FROM idempotency
		WHERE account_id = $1 AND idem_key = $2`, accountID, key))
	if err != nil {
		return store.IdempotencyRecord{}, fmt.Errorf("idempotency key %q of %s: %w", key, accountID, notFound(err))
	}
	return r, nil
}

// CompleteIdempotency stores the answer of the claim r.Token made.
func (s *Store) CompleteIdempotency(ctx context.Context, r store.IdempotencyRecord) error {
	tag, err := s.exec(ctx, `UPDATE idempotency SET complete = true, status = $1, content_type = $2, body = $3
		WHERE account_id = $4 AND idem_key = $5 AND token = $6 AND NOT complete`,
		int32(r.Status), r.ContentType, blob(r.Body), r.AccountID, r.Key, r.Token)
	switch {
	case err != nil:
		err = constraint(err)
	case tag.RowsAffected() != 1:
		err = store.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("complete idempotency key %q of %s: %w", r.Key, r.AccountID, err)
	}
	return nil
}

// ReleaseIdempotency deletes the pending record token claimed.
func (s *Store) ReleaseIdempotency(ctx context.Context, accountID, key, token string) error {
	_, err := s.exec(ctx, `DELETE FROM idempotency
		WHERE account_id = $1 AND idem_key = $2 AND token = $3 AND NOT complete`, accountID, key, token)
	if err != nil {
		return fmt.Errorf("release idempotency key %q of %s: %w", key, accountID, constraint(err))
	}
	return nil
}

// PruneIdempotency deletes the records claimed before before.
func (s *Store) PruneIdempotency(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.exec(ctx, `DELETE FROM idempotency WHERE created_at < $1`, toNanos(before))
	if err != nil {
		return 0, fmt.Errorf("prune idempotency keys: %w", err)
	}
	return tag.RowsAffected(), nil
}
