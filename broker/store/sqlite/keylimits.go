package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/sparelink/sparelink/broker/store"
)

// keyLimits checks, inside a write transaction, that the key buying more
// stays within its limits. No key, an unknown key or one without limits
// passes.
func keyLimits(ctx context.Context, tx *sql.Tx, keyID string, addMicros, addBytes int64) error {
	if keyID == "" {
		return nil
	}
	k, err := scanKey(tx.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE id = ?`, keyID))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && k.SpendLimitMicros <= 0 && k.ByteLimit <= 0) {
		return nil
	}
	if err != nil {
		return err
	}
	var micros, bytes int64
	if err := tx.QueryRowContext(ctx, store.KeyUseQuery+`?`, keyID).Scan(&micros, &bytes); err != nil {
		return err
	}
	return store.CheckKeyLimits(k, micros, bytes, addMicros, addBytes)
}
