package api

import (
	"encoding/json"
	"time"
)

// Webhook event types.
const (
	// EventUsageThreshold: a lease's charges crossed 50%, 80% or 100% of
	// its hold.
	EventUsageThreshold = "usage_threshold"
	// EventLowBalance: a hold took the buyer's available balance below
	// the broker's low-balance threshold.
	EventLowBalance = "low_balance"
	// EventLeaseExitsChanged: an exit of an active lease went offline or
	// came back.
	EventLeaseExitsChanged = "lease_exits_changed"
)

// Headers of every webhook delivery.
const (
	// HeaderWebhookSignature reads "t=<unix seconds>,v1=<hex>", where the
	// hex is HMAC-SHA256 under the webhook's secret of "<t>.<body>".
	HeaderWebhookSignature = "SpareLink-Signature"
	// HeaderWebhookEventID repeats the event's id, the same on every
	// retry: receivers deduplicate on it.
	HeaderWebhookEventID   = "SpareLink-Event-Id"
	HeaderWebhookEventType = "SpareLink-Event-Type"
)

// CreateWebhookRequest is the body of POST /v1/webhooks.
type CreateWebhookRequest struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

// Webhook is an endpoint the broker posts the account's events to. Secret
// signs the deliveries and is set only in the answer that created the
// webhook.
type Webhook struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	Secret    string    `json:"secret,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// WebhookList is the body of GET /v1/webhooks, one page in ID order.
type WebhookList struct {
	Webhooks []Webhook `json:"data"`
	HasMore  bool      `json:"has_more"`
}

// Event is the body of every webhook delivery; Data is one of the
// *Data types below, by Type.
type Event struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	AccountID string          `json:"account_id"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// UsageThresholdData is the data of a usage_threshold event.
type UsageThresholdData struct {
	LeaseID          string `json:"lease_id"`
	ThresholdPercent int    `json:"threshold_percent"`
	ChargedMicros    int64  `json:"charged_micros"`
	HoldMicros       int64  `json:"hold_micros"`
}

// LowBalanceData is the data of a low_balance event.
type LowBalanceData struct {
	AvailableMicros int64 `json:"available_micros"`
	ThresholdMicros int64 `json:"threshold_micros"`
}

// LeaseExitsChangedData is the data of a lease_exits_changed event: every
// exit of the lease and whether it is online now.
type LeaseExitsChangedData struct {
	LeaseID string      `json:"lease_id"`
	Exits   []ExitState `json:"exits"`
}

// ExitState says whether one exit of a lease is online.
type ExitState struct {
	NodeID string `json:"node_id"`
	Online bool   `json:"online"`
}
