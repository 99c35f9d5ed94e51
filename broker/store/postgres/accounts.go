package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sparelink/sparelink/broker/store"
)

// CreateAccount stores a new account. A zero CreatedAt is set to now; a
// duplicate ID is store.ErrConflict.
func (s *Store) CreateAccount(ctx context.Context, a store.Account) error {
	switch {
	case a.ID == "":
		return fmt.Errorf("create account: empty id: %w", store.ErrInvalid)
	case a.Kind != store.KindBuyer && a.Kind != store.KindOperator && a.Kind != store.KindAdmin:
		return fmt.Errorf("create account %s: kind %q: %w", a.ID, a.Kind, store.ErrInvalid)
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = s.now()
	}
	_, err := s.exec(ctx, `INSERT INTO accounts (id, kind, name, created_at) VALUES ($1, $2, $3, $4)`,
		a.ID, string(a.Kind), a.Name, toNanos(a.CreatedAt))
	if err != nil {
		return fmt.Errorf("create account %s: %w", a.ID, constraint(err))
	}
	return nil
}

// Account returns the account with the given ID, or store.ErrNotFound.
func (s *Store) Account(ctx context.Context, id string) (store.Account, error) {
	a, err := account(ctx, s.pool, id)
	if err != nil {
		return store.Account{}, fmt.Errorf("account %s: %w", id, err)
	}
	return a, nil
}

// account reads one account through q.
func account(ctx context.Context, q querier, id string) (store.Account, error) {
	var (
		a       store.Account
		kind    string
		created int64
	)
	err := q.QueryRow(ctx, `SELECT id, kind, name, created_at FROM accounts WHERE id = $1`, id).
		Scan(&a.ID, &kind, &a.Name, &created)
	if err != nil {
		return store.Account{}, notFound(err)
	}
	a.Kind = store.AccountKind(kind)
	a.CreatedAt = fromNanos(created)
	return a, nil
}

// CreateKey stores an API key. The account must exist (store.ErrNotFound
// otherwise); a duplicate key ID is store.ErrConflict.
func (s *Store) CreateKey(ctx context.Context, k store.APIKey) error {
	if k.ID == "" || k.AccountID == "" {
		return fmt.Errorf("create key: empty id or account: %w", store.ErrInvalid)
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = s.now()
	}
	_, err := s.exec(ctx, `INSERT INTO api_keys (`+keyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		k.ID, k.AccountID, string(k.Scope), blob(k.Hash),
		toNanos(k.CreatedAt), toNanos(k.ExpiresAt), toNanos(k.RevokedAt), list(k.AllowedCIDRs), k.SpendLimitMicros, k.ByteLimit)
	if err != nil {
		return fmt.Errorf("create key %s: %w", k.ID, constraint(err))
	}
	return nil
}

// keyColumns is the column list scanKey expects.
const keyColumns = `id, account_id, scope, hash, created_at, expires_at, revoked_at, allowed_cidrs,
	spend_limit_micros, byte_limit`

// scanKey reads one api_keys row.
func scanKey(row pgx.Row) (store.APIKey, error) {
	var (
		k                         store.APIKey
		scope                     string
		created, expires, revoked int64
	)
	if err := row.Scan(&k.ID, &k.AccountID, &scope, &k.Hash, &created, &expires, &revoked, &k.AllowedCIDRs,
		&k.SpendLimitMicros, &k.ByteLimit); err != nil {
		return store.APIKey{}, err
	}
	k.AllowedCIDRs = unlist(k.AllowedCIDRs)
	k.Scope = store.Scope(scope)
	k.CreatedAt, k.ExpiresAt, k.RevokedAt = fromNanos(created), fromNanos(expires), fromNanos(revoked)
	return k, nil
}

// Key returns the API key with the given ID, or store.ErrNotFound.
func (s *Store) Key(ctx context.Context, id string) (store.APIKey, error) {
	k, err := scanKey(s.pool.QueryRow(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE id = $1`, id))
	if err != nil {
		return store.APIKey{}, fmt.Errorf("key %s: %w", id, notFound(err))
	}
	return k, nil
}

// Keys lists an account's keys, revoked ones included, ordered by ID.
func (s *Store) Keys(ctx context.Context, accountID string) ([]store.APIKey, error) {
	rows, err := s.pool.Query(ctx,
		`SELECT `+keyColumns+` FROM api_keys WHERE account_id = $1 ORDER BY id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("keys of %s: %w", accountID, constraint(err))
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.APIKey, error) { return scanKey(r) })
	if err != nil {
		return nil, fmt.Errorf("keys of %s: %w", accountID, constraint(err))
	}
	return keys, nil
}

// RevokeKey marks the account's key revoked at the given time (now when
// zero). A key that does not exist or belongs to another account is
// store.ErrNotFound. Revoking an already revoked key succeeds and keeps the
// first revocation time.
func (s *Store) RevokeKey(ctx context.Context, accountID, keyID string, at time.Time) error {
	if at.IsZero() {
		at = s.now()
	}
	tag, err := s.exec(ctx,
		`UPDATE api_keys SET revoked_at = CASE WHEN revoked_at = 0 THEN $1 ELSE revoked_at END
		WHERE id = $2 AND account_id = $3`,
		toNanos(at), keyID, accountID)
	if err != nil {
		return fmt.Errorf("revoke key %s: %w", keyID, constraint(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("revoke key %s of %s: %w", keyID, accountID, store.ErrNotFound)
	}
	return nil
}
