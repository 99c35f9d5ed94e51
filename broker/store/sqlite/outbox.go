package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/sparelink/sparelink/broker/store"
)

// EnqueueEvent stores e and a pending delivery for each active webhook of
// its account that receives its type; see store.Store.
func (s *Store) EnqueueEvent(ctx context.Context, e store.Event) (int, error) {
	if e.ID == "" || e.AccountID == "" || e.Type == "" {
		return 0, fmt.Errorf("enqueue event: empty id, account or type: %w", store.ErrInvalid)
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = s.now()
	}
	n := 0
	err := s.write(ctx, func(tx *sql.Tx) error {
		hooks, err := subscribers(ctx, tx, e.AccountID, e.Type)
		if err != nil || len(hooks) == 0 {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO webhook_events (id, account_id, type, payload, created_at)
			VALUES (?, ?, ?, ?, ?)`, e.ID, e.AccountID, e.Type, append([]byte{}, e.Payload...), toNanos(e.CreatedAt))
		if err != nil {
			return constraint(err)
		}
		for _, id := range hooks {
			_, err = tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (event_id, webhook_id, state, attempts,
				next_attempt_at, last_error) VALUES (?, ?, ?, 0, ?, '')`, e.ID, id, string(store.DeliveryPending), toNanos(e.CreatedAt))
			if err != nil {
				return err
			}
		}
		n = len(hooks)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("enqueue event %s: %w", e.ID, err)
	}
	return n, nil
}

// subscribers lists the active webhooks of account receiving typ.
func subscribers(ctx context.Context, tx *sql.Tx, account, typ string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, events FROM webhooks WHERE account_id = ? AND deleted_at = 0 ORDER BY id`, account)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id, events string
		if err := rows.Scan(&id, &events); err != nil {
			return nil, err
		}
		types, err := decodeList(events)
		if err != nil {
			return nil, err
		}
		if slices.Contains(types, typ) {
			ids = append(ids, id)
		}
	}
	return ids, rows.Err()
}

// deliveryQuery selects deliveries with what sending them needs.
const deliveryQuery = `SELECT d.id, d.event_id, e.type, d.webhook_id, w.url, w.secret, e.payload, d.state,
	d.attempts, d.next_attempt_at, d.last_error
	FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id JOIN webhooks w ON w.id = d.webhook_id`

func scanDeliveries(rows *sql.Rows) ([]store.Delivery, error) {
	defer rows.Close()
	var out []store.Delivery
	for rows.Next() {
		var (
			d     store.Delivery
			state string
			next  int64
		)
		if err := rows.Scan(&d.ID, &d.EventID, &d.EventType, &d.WebhookID, &d.URL, &d.Secret, &d.Payload,
			&state, &d.Attempts, &next, &d.LastError); err != nil {
			return nil, err
		}
		d.State, d.NextAttempt = store.DeliveryState(state), fromNanos(next)
		out = append(out, d)
	}
	return out, rows.Err()
}

// ClaimDeliveries returns the due pending deliveries and locks them until
// lockUntil; see store.Store.
func (s *Store) ClaimDeliveries(ctx context.Context, now, lockUntil time.Time, limit int) ([]store.Delivery, error) {
	var out []store.Delivery
	err := s.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, deliveryQuery+` WHERE d.state = ? AND d.next_attempt_at <= ?
			ORDER BY d.next_attempt_at, d.id LIMIT ?`, string(store.DeliveryPending), toNanos(now), clampLimit(limit))
		if err != nil {
			return err
		}
		if out, err = scanDeliveries(rows); err != nil {
			return err
		}
		for i := range out {
			out[i].NextAttempt = lockUntil
			_, err = tx.ExecContext(ctx, `UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ?`, toNanos(lockUntil), out[i].ID)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	return out, nil
}

// FinishDelivery records one attempt of a pending delivery.
func (s *Store) FinishDelivery(ctx context.Context, o store.DeliveryOutcome) error {
	state, next := store.DeliveryFailed, int64(0)
	switch {
	case o.Delivered:
		state = store.DeliveryDelivered
	case !o.RetryAt.IsZero():
		state, next = store.DeliveryPending, toNanos(o.RetryAt)
	}
	_, err := s.exec(ctx, `UPDATE webhook_deliveries SET state = ?, attempts = attempts + 1, next_attempt_at = ?,
		last_error = ? WHERE id = ? AND state = ?`, string(state), next, o.Error, o.DeliveryID, string(store.DeliveryPending))
	if err != nil {
		return fmt.Errorf("finish delivery %d: %w", o.DeliveryID, err)
	}
	return nil
}

// Deliveries lists the deliveries of an event, by ID.
func (s *Store) Deliveries(ctx context.Context, eventID string) ([]store.Delivery, error) {
	rows, err := s.db.QueryContext(ctx, deliveryQuery+` WHERE d.event_id = ? ORDER BY d.id`, eventID)
	if err != nil {
		return nil, fmt.Errorf("deliveries of %s: %w", eventID, err)
	}
	out, err := scanDeliveries(rows)
	if err != nil {
		return nil, fmt.Errorf("deliveries of %s: %w", eventID, err)
	}
	return out, nil
}
