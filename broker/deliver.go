package broker

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
)

// Delivery settings. A claimed delivery stays locked for deliveryLock, far
// longer than one attempt may take; deliveryBatch are claimed at a time
// and up to deliveryWorkers sent at once.
const (
	deliveryLock    = 5 * time.Minute
	deliveryBatch   = 64
	deliveryWorkers = 4
	maxBackoffStep  = time.Hour
	webhookAgent    = "sparelink-webhooks/1"
)

// DeliverWebhooks sends webhook deliveries until ctx ends: every
// Config.WebhookPoll it claims the due ones from the store's outbox, posts
// each signed event to its webhook and records the outcome. A delivery
// that fails (no 2xx answer) is retried with exponential backoff from
// Config.WebhookBackoff, up to Config.WebhookMaxAttempts attempts. The
// daemon runs it in a goroutine of its own; brokers sharing a store may
// all run it, as claims are exclusive. It returns nil when ctx ends.
func (b *Broker) DeliverWebhooks(ctx context.Context) error {
	t := time.NewTicker(b.cfg.WebhookPoll)
	defer t.Stop()
	for {
		if _, err := b.deliverDue(ctx); err != nil && ctx.Err() == nil {
			b.log.Warn("deliver webhooks", zap.Error(err))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// deliverDue sends one batch of due deliveries and waits for them.
func (b *Broker) deliverDue(ctx context.Context) (int, error) {
	now := b.now()
	ds, err := b.st.ClaimDeliveries(ctx, now, now.Add(deliveryLock), deliveryBatch)
	if err != nil {
		return 0, err
	}
	var g errgroup.Group
	g.SetLimit(deliveryWorkers)
	for _, d := range ds {
		g.Go(func() error { return b.deliver(ctx, d) })
	}
	return len(ds), g.Wait()
}

// deliver makes one attempt and records its outcome.
func (b *Broker) deliver(ctx context.Context, d store.Delivery) error {
	err := b.post(ctx, d)
	o := store.DeliveryOutcome{DeliveryID: d.ID, Delivered: err == nil}
	if err != nil {
		o.Error = err.Error()
		if d.Attempts+1 < b.cfg.WebhookMaxAttempts {
			o.RetryAt = b.now().Add(b.backoff(d.Attempts + 1))
		}
		b.log.Info("webhook delivery failed", zap.String("event", d.EventID), zap.String("webhook", d.WebhookID),
			zap.Int("attempt", d.Attempts+1), zap.Bool("retry", !o.RetryAt.IsZero()), zap.Error(err))
	}
	if err := b.st.FinishDelivery(context.WithoutCancel(ctx), o); err != nil {
		return fmt.Errorf("record delivery %d: %w", d.ID, err)
	}
	return nil
}

// backoff is the wait after the n-th failed attempt: WebhookBackoff
// doubling, at most an hour.
func (b *Broker) backoff(n int) time.Duration {
	d := b.cfg.WebhookBackoff
	for i := 1; i < n && d < maxBackoffStep; i++ {
		d *= 2
	}
	return min(d, maxBackoffStep)
}

// post sends the event of d to its webhook; any 2xx answer delivers it.
func (b *Broker) post(ctx context.Context, d store.Delivery) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Payload))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", webhookAgent)
	req.Header.Set(api.HeaderWebhookEventID, d.EventID)
	req.Header.Set(api.HeaderWebhookEventType, d.EventType)
	req.Header.Set(api.HeaderWebhookSignature, sign(d.Secret, b.now(), d.Payload))
	resp, err := b.hooks.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("receiver answered %d", resp.StatusCode)
	}
	return nil
}

// sign is the SpareLink-Signature of body at t under secret:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".
func sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}
