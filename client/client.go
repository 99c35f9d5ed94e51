// Package client is the Go SDK for the broker's REST API: one typed,
// context-aware method per endpoint, problem responses as *Error values,
// and safe retries.
//
// Every request is retried with exponential backoff after network errors
// and 5xx answers, in a way that never repeats an effect: GETs and DELETEs
// are harmless twice; POSTs that act (creating a lease, a key, a webhook,
// an account, extending or closing a lease, registering a node) carry an
// Idempotency-Key, the caller's or one the SDK makes for the logical call
// and reuses on every retry, so the broker answers a repeat with the first
// answer; POSTs that change nothing more when repeated (quotes,
// heartbeats, cumulative receipts) are retried as they are. Any request is
// retried after a 429 (rate limited) or a 409 idempotency_in_progress,
// waiting as long as the broker's Retry-After asks, up to 30s. Refusals
// are *Error values that match the Err* sentinels with errors.Is. Listings
// come a page at a time, or whole through the All* iterators. The SDK
// speaks the wire types of broker/api and does not know how the broker
// works inside.
//
// It is not the buyer's gateway (client/gateway) nor the exit dialer
// (client/exitdial); those build on it.
package client

import (
	"net/http"
	"strings"
	"time"
)

// Retry defaults.
const (
	defaultAttempts = 4
	defaultBackoff  = 200 * time.Millisecond
	maxBackoff      = 5 * time.Second
	// maxRetryAfter is the longest Retry-After the client waits out by
	// itself; longer ones are returned to the caller.
	maxRetryAfter = 30 * time.Second
)

// DefaultUserAgent is sent unless WithUserAgent says otherwise.
const DefaultUserAgent = "sparelink-go-client/1"

// Client calls one broker with one API key. It is safe for concurrent use.
type Client struct {
	base     string
	key      string
	hc       *http.Client
	ua       string
	attempts int
	backoff  time.Duration
}

// Option changes how a Client is built.
type Option func(*Client)

// WithHTTPClient sends requests through hc instead of a client with a 30s
// timeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.hc = hc
		}
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *Client) { c.ua = ua }
}

// WithRetry sets how many times an idempotent request is tried in all
// (1 disables retries) and the first backoff, which doubles on every
// retry up to 5s. Zero values keep the defaults: 4 attempts from 200ms.
func WithRetry(attempts int, backoff time.Duration) Option {
	return func(c *Client) {
		if attempts > 0 {
			c.attempts = attempts
		}
		if backoff > 0 {
			c.backoff = backoff
		}
	}
}

// New returns a client for the broker at baseURL (for example
// "https://broker.example:8400") that authenticates with apiKey. An empty
// apiKey sends no credentials, which only the public endpoints accept.
func New(baseURL, apiKey string, opts ...Option) *Client {
	c := &Client{
		base:     strings.TrimRight(baseURL, "/"),
		key:      apiKey,
		hc:       &http.Client{Timeout: 30 * time.Second},
		ua:       DefaultUserAgent,
		attempts: defaultAttempts,
		backoff:  defaultBackoff,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}
