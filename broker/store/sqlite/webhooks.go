package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

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
	events, err := encodeList(w.Events)
	if err != nil {
		return fmt.Errorf("create webhook %s: %w", w.ID, err)
	}
	_, err = s.exec(ctx, `INSERT INTO webhooks (`+webhookColumns+`) VALUES (?, ?, ?, ?, ?, ?, 0)`,
		w.ID, w.AccountID, w.URL, events, w.Secret, toNanos(w.CreatedAt))
	if err != nil {
		return fmt.Errorf("create webhook %s: %w", w.ID, constraint(err))
	}
	return nil
}

// webhookColumns is the column list scanWebhook expects.
const webhookColumns = `id, account_id, url, events, secret, created_at, deleted_at`

func scanWebhook(row interface{ Scan(...any) error }) (store.Webhook, error) {
	var (
		w                store.Webhook
		events           string
		created, deleted int64
	)
	if err := row.Scan(&w.ID, &w.AccountID, &w.URL, &events, &w.Secret, &created, &deleted); err != nil {
		return store.Webhook{}, err
	}
	var err error
	w.Events, err = decodeList(events)
	w.CreatedAt, w.DeletedAt = fromNanos(created), fromNanos(deleted)
	return w, err
}

// Webhook reads one webhook, or store.ErrNotFound.
func (s *Store) Webhook(ctx context.Context, id string) (store.Webhook, error) {
	w, err := scanWebhook(s.db.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ?`, id))
	if err != nil {
		return store.Webhook{}, fmt.Errorf("webhook %s: %w", id, notFound(err))
	}
	return w, nil
}

// Webhooks lists an account's active webhooks after afterID, by ID. limit
// is clamped to 1..1000; 0 means 100.
func (s *Store) Webhooks(ctx context.Context, accountID, afterID string, limit int) ([]store.Webhook, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+webhookColumns+` FROM webhooks
		WHERE account_id = ? AND deleted_at = 0 AND id > ? ORDER BY id LIMIT ?`, accountID, afterID, clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("webhooks of %s: %w", accountID, err)
	}
	defer rows.Close()
	var out []store.Webhook
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, fmt.Errorf("webhooks of %s: %w", accountID, err)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("webhooks of %s: %w", accountID, err)
	}
	return out, nil
}

// DeleteWebhook deletes the account's webhook and fails its pending
// deliveries, in one transaction.
func (s *Store) DeleteWebhook(ctx context.Context, accountID, id string, at time.Time) error {
	if at.IsZero() {
		at = s.now()
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhooks SET deleted_at = CASE WHEN deleted_at = 0 THEN ? ELSE deleted_at END
			WHERE id = ? AND account_id = ?`, toNanos(at), id, accountID)
		if err == nil {
			err = oneRow(res, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = ?, last_error = 'webhook deleted'
			WHERE webhook_id = ? AND state = ?`, string(store.DeliveryFailed), id, string(store.DeliveryPending))
		return err
	})
	if err != nil {
		return fmt.Errorf("delete webhook %s of %s: %w", id, accountID, err)
	}
	return nil
}
