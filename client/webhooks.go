package client

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sparelink/sparelink/broker/api"
)

// CreateWebhook registers an endpoint for the caller's events; idemKey
// works as in CreateLease. The returned Secret verifies deliveries
// (VerifyWebhook); the broker never shows it again.
func (c *Client) CreateWebhook(ctx context.Context, idemKey string, req api.CreateWebhookRequest) (*api.Webhook, error) {
	var out api.Webhook
	return &out, c.do(ctx, call{method: http.MethodPost, path: "/v1/webhooks", body: req, idemKey: idemKey, effect: true}, &out)
}

// Webhooks returns a page of the caller's webhooks, without secrets.
func (c *Client) Webhooks(ctx context.Context, p Page) (*api.WebhookList, error) {
	var out api.WebhookList
	return &out, c.do(ctx, call{method: http.MethodGet, path: "/v1/webhooks", query: p.values()}, &out)
}

// Webhook returns one of the caller's webhooks, without its secret.
func (c *Client) Webhook(ctx context.Context, id string) (*api.Webhook, error) {
	if id == "" {
		return nil, fmt.Errorf("webhook: %w", errEmptyID)
	}
	var out api.Webhook
	return &out, c.do(ctx, call{method: http.MethodGet, path: "/v1/webhooks/" + url.PathEscape(id)}, &out)
}

// DeleteWebhook stops deliveries to a webhook, pending ones included.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	if id == "" {
		return fmt.Errorf("delete webhook: %w", errEmptyID)
	}
	return c.do(ctx, call{method: http.MethodDelete, path: "/v1/webhooks/" + url.PathEscape(id)}, nil)
}

// ErrBadSignature is returned by VerifyWebhook for a delivery that does
// not carry a valid, fresh signature.
var ErrBadSignature = errors.New("webhook signature does not verify")

// VerifyWebhook checks the SpareLink-Signature header of a delivery
// ("t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">") against the
// webhook's secret, and that t is within tolerance of now, so that a
// captured delivery cannot be replayed later. Pass the body exactly as
// received. Deduplicate deliveries on the event ID: retries repeat it.
func VerifyWebhook(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return fmt.Errorf("%w: malformed header", ErrBadSignature)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: timestamp %s away from now", ErrBadSignature, d.Round(time.Second))
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	want := m.Sum(nil)
	for _, s := range sigs {
		if got, err := hex.DecodeString(s); err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrBadSignature
}
