package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/sparelink/sparelink/broker/store"
)

// CreatePairingCode stores a new pairing code.
func (s *Store) CreatePairingCode(ctx context.Context, c store.PairingCode) error {
	if len(c.Hash) == 0 || c.OperatorID == "" {
		return fmt.Errorf("create pairing code: empty hash or operator: %w", store.ErrInvalid)
	}
	_, err := s.exec(ctx, `INSERT INTO pairing_codes (hash, operator_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		c.Hash, c.OperatorID, toNanos(c.CreatedAt), toNanos(c.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create pairing code: %w", constraint(err))
	}
	return nil
}

// RedeemPairingCode uses up a code and stores k for its operator.
func (s *Store) RedeemPairingCode(ctx context.Context, hash []byte, now time.Time, k store.APIKey) (store.APIKey, error) {
	cidrs, err := encodeList(k.AllowedCIDRs)
	if err != nil {
		return k, fmt.Errorf("redeem pairing code: %w", err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		var op string
		err := tx.QueryRowContext(ctx, `SELECT operator_id FROM pairing_codes
			WHERE hash = ? AND used_at = 0 AND expires_at > ?`, hash, toNanos(now)).Scan(&op)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		k.AccountID = op
		if _, err := tx.ExecContext(ctx, `UPDATE pairing_codes SET used_at = ?, key_id = ? WHERE hash = ?`,
			toNanos(now), k.ID, hash); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO api_keys (`+keyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			k.ID, k.AccountID, string(k.Scope), k.Hash,
			toNanos(k.CreatedAt), toNanos(k.ExpiresAt), toNanos(k.RevokedAt), cidrs, k.SpendLimitMicros, k.ByteLimit)
		return constraint(err)
	})
	if err != nil {
		return k, fmt.Errorf("redeem pairing code: %w", err)
	}
	return k, nil
}
