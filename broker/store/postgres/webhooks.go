package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sparelink/sparelink/broker/store"
)

// CreateWebhook stores an active webhook; see store.Store.
func (s *Store) CreateWebhook(ctx context.Context, w store.Webhook) error {
	if w.ID == "" || w.AccountID == "" || w.URL == "" || w.Secret == "" {
		return fmt.Errorf("create webhook: empty id, account, url or secret: %w", store.ErrInvalid)
	}
	if w.CreatedAt.IsZero() {
		w.CreatedAt = s.now()
	}
	_, err := s.exec(ctx, `INSERT INTO webhooks (`+webhookColumns+`) VALUES ($1, $2, $3, $4, $5, $6, 0)`,
		w.ID, w.AccountID, w.URL, list(w.Events), w.Secret, toNanos(w.CreatedAt))
	if err != nil {
		return fmt.Errorf("create webhook %s: %w", w.ID, constraint(err))
	}
	return nil
}

// webhookColumns is the column list scanWebhook expects.
const webhookColumns = `id, account_id, url, events, secret, created_at, deleted_at`

func scanWebhook(row pgx.Row) (store.Webhook, error) {
	var (
		w                store.Webhook
		created, deleted int64
	)
	if err := row.Scan(&w.ID, &w.AccountID, &w.URL, &w.Events, &w.Secret, &created, &deleted); err != nil {
		return store.Webhook{}, err
	}
	w.Events = unlist(w.Events)
	w.CreatedAt, w.DeletedAt = fromNanos(created), fromNanos(deleted)
	return w, nil
}

// Webhook reads one webhook, or store.ErrNotFound.
func (s *Store) Webhook(ctx context.Context, id string) (store.Webhook, error) {
	w, err := scanWebhook(s.pool.QueryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1`, id))
	if err != nil {
		return store.Webhook{}, fmt.Errorf("webhook %s: %w", id, notFound(err))
	}
	return w, nil
}

// Webhooks lists an account's active webhooks after afterID, by ID. limit
// is clamped to 1..1000; 0 means 100.
func (s *Store) Webhooks(ctx context.Context, accountID, afterID string, limit int) ([]store.Webhook, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+webhookColumns+` FROM webhooks
		WHERE account_id = $1 AND deleted_at = 0 AND id > $2 ORDER BY id LIMIT $3`, accountID, afterID, clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("webhooks of %s: %w", accountID, constraint(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Webhook, error) { return scanWebhook(r) })
	if err != nil {
		return nil, fmt.Errorf("webhooks of %s: %w", accountID, constraint(err))
	}
	return out, nil
}

// DeleteWebhook deletes the account's webhook and fails its pending
// deliveries, in one transaction. Updating the webhook's row waits for any
// EnqueueEvent that is adding deliveries for it (see subscribers), so none
// is left pending behind the deletion.
func (s *Store) DeleteWebhook(ctx context.Context, accountID, id string, at time.Time) error {
	if at.IsZero() {
		at = s.now()
	}
	err := s.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE webhooks SET deleted_at = CASE WHEN deleted_at = 0 THEN $1 ELSE deleted_at END
			WHERE id = $2 AND account_id = $3`, toNanos(at), id, accountID)
		if err != nil {
			return constraint(err)
		}
		if tag.RowsAffected() != 1 {
			return store.ErrNotFound
		}
		_, err = tx.Exec(ctx, `UPDATE webhook_deliveries SET state = $1, last_error = 'webhook deleted'
			WHERE webhook_id = $2 AND state = $3`, string(store.DeliveryFailed), id, string(store.DeliveryPending))
		return err
	})
	if err != nil {
		return fmt.Errorf("delete webhook %s of %s: %w", id, accountID, err)
	}
	return nil
}
