package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

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
	err := s.write(ctx, func(tx pgx.Tx) error {
		n = 0
		hooks, err := subscribers(ctx, tx, e.AccountID, e.Type)
		if err != nil || len(hooks) == 0 {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO webhook_events (id, account_id, type, payload, created_at)
			VALUES ($1, $2, $3, $4, $5)`, e.ID, e.AccountID, e.Type, blob(e.Payload), toNanos(e.CreatedAt))
		if err != nil {
			return constraint(err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO webhook_deliveries (event_id, webhook_id, state, attempts, next_attempt_at, last_error)
			SELECT $1, h.id, $2, 0, $3, '' FROM unnest($4::text[]) WITH ORDINALITY AS h(id, ord) ORDER BY h.ord`,
			e.ID, string(store.DeliveryPending), toNanos(e.CreatedAt), hooks)
		if err != nil {
			return err
		}
		n = len(hooks)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("enqueue event %s: %w", e.ID, err)
	}
	return n, nil
}

// subscribers lists the active webhooks of account receiving typ, locking
// them (FOR SHARE) until the transaction ends so that a concurrent
// DeleteWebhook waits for the deliveries about to be added.
func subscribers(ctx context.Context, tx pgx.Tx, account, typ string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT id FROM webhooks WHERE account_id = $1 AND deleted_at = 0
		AND $2 = ANY(events) ORDER BY id FOR SHARE`, account, typ)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// deliveryQuery selects deliveries with what sending them needs.
const deliveryQuery = `SELECT d.id, d.event_id, e.type, d.webhook_id, w.url, w.secret, e.payload, d.state,
	d.attempts, d.next_attempt_at, d.last_error
	FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id JOIN webhooks w ON w.id = d.webhook_id`

func scanDeliveries(rows pgx.Rows) ([]store.Delivery, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Delivery, error) {
		var (
			d        store.Delivery
			state    string
			attempts int32
			next     int64
		)
		err := r.Scan(&d.ID, &d.EventID, &d.EventType, &d.WebhookID, &d.URL, &d.Secret, &d.Payload,
			&state, &attempts, &next, &d.LastError)
		d.State, d.Attempts, d.NextAttempt = store.DeliveryState(state), int(attempts), fromNanos(next)
		return d, err
	})
}

// ClaimDeliveries returns the due pending deliveries and locks them until
// lockUntil; see store.Store. Rows another broker is claiming at the same
// moment are skipped (SKIP LOCKED) rather than waited for, so brokers
// sharing the outbox never send one delivery twice in one round.
func (s *Store) ClaimDeliveries(ctx context.Context, now, lockUntil time.Time, limit int) ([]store.Delivery, error) {
	var out []store.Delivery
	err := s.write(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, deliveryQuery+` WHERE d.state = $1 AND d.next_attempt_at <= $2
			ORDER BY d.next_attempt_at, d.id LIMIT $3 FOR UPDATE OF d SKIP LOCKED`,
			string(store.DeliveryPending), toNanos(now), clampLimit(limit))
		if err != nil {
			return err
		}
		if out, err = scanDeliveries(rows); err != nil {
			return err
		}
		ids := make([]int64, len(out))
		for i := range out {
			ids[i], out[i].NextAttempt = out[i].ID, lockUntil
		}
		_, err = tx.Exec(ctx, `UPDATE webhook_deliveries SET next_attempt_at = $1 WHERE id = ANY($2)`,
			toNanos(lockUntil), ids)
		return err
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
	_, err := s.exec(ctx, `UPDATE webhook_deliveries SET state = $1, attempts = attempts + 1, next_attempt_at = $2,
		last_error = $3 WHERE id = $4 AND state = $5`, string(state), next, o.Error, o.DeliveryID, string(store.DeliveryPending))
	if err != nil {
		return fmt.Errorf("finish delivery %d: %w", o.DeliveryID, constraint(err))
	}
	return nil
}

// Deliveries lists the deliveries of an event, by ID.
func (s *Store) Deliveries(ctx context.Context, eventID string) ([]store.Delivery, error) {
	rows, err := s.pool.Query(ctx, deliveryQuery+` WHERE d.event_id = $1 ORDER BY d.id`, eventID)
	if err != nil {
		return nil, fmt.Errorf("deliveries of %s: %w", eventID, constraint(err))
	}
	out, err := scanDeliveries(rows)
	if err != nil {
		return nil, fmt.Errorf("deliveries of %s: %w", eventID, constraint(err))
	}
	return out, nil
}
