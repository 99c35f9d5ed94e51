package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sparelink/sparelink/broker/store"
)

// CreatePairingCode stores a new pairing code.
func (s *Store) CreatePairingCode(ctx context.Context, c store.PairingCode) error {
	if len(c.Hash) == 0 || c.OperatorID == "" {
		return fmt.Errorf("create pairing code: empty hash or operator: %w", store.ErrInvalid)
	}
	_, err := s.exec(ctx, `INSERT INTO pairing_codes (hash, operator_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		c.Hash, c.OperatorID, toNanos(c.CreatedAt), toNanos(c.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create pairing code: %w", constraint(err))
	}
	return nil
}

// RedeemPairingCode uses up a code and stores k for its operator. The
// conditional UPDATE is the claim: of two redeemers racing on one code,
// only one changes the row.
func (s *Store) RedeemPairingCode(ctx context.Context, hash []byte, now time.Time, k store.APIKey) (store.APIKey, error) {
	err := s.write(ctx, func(tx pgx.Tx) error {
		var op string
		err := tx.QueryRow(ctx, `UPDATE pairing_codes SET used_at = $1, key_id = $2
			WHERE hash = $3 AND used_at = 0 AND expires_at > $1 RETURNING operator_id`,
			toNanos(now), k.ID, hash).Scan(&op)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		k.AccountID = op
		_, err = tx.Exec(ctx, `INSERT INTO api_keys (`+keyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			k.ID, k.AccountID, string(k.Scope), blob(k.Hash),
			toNanos(k.CreatedAt), toNanos(k.ExpiresAt), toNanos(k.RevokedAt), list(k.AllowedCIDRs), k.SpendLimitMicros, k.ByteLimit)
		return constraint(err)
	})
	if err != nil {
		return k, fmt.Errorf("redeem pairing code: %w", err)
	}
	return k, nil
}
