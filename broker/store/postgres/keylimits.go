package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/sparelink/sparelink/broker/store"
)

// keyLimits checks, inside a write transaction, that the key buying more
// stays within its limits. The caller holds the buyer's account lock, and
// a key belongs to one account, so two leases of one key cannot both pass
// on the same headroom. No key, an unknown key or one without limits
// passes.
func keyLimits(ctx context.Context, tx pgx.Tx, keyID string, addMicros, addBytes int64) error {
	if keyID == "" {
		return nil
	}
	k, err := scanKey(tx.QueryRow(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE id = $1`, keyID))
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && k.SpendLimitMicros <= 0 && k.ByteLimit <= 0) {
		return nil
	}
	if err != nil {
		return err
	}
	var micros, bytes int64
	if err := tx.QueryRow(ctx, store.KeyUseQuery+`$1`, keyID).Scan(&micros, &bytes); err != nil {
		return err
	}
	return store.CheckKeyLimits(k, micros, bytes, addMicros, addBytes)
}
