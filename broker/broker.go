// Package broker is the marketplace's HTTP server: the REST API through
// which operators register exits and report usage, buyers buy coverage,
// and administrators fund accounts and audit the ledger.
//
// The broker decides who may do what, matches buyers to exits, prices
// leases, issues the exit tokens, keeps operators' statements and posts
// signed events to webhooks. It keeps no state of its own beyond caches
// (lease expiries, exit states, rate-limit buckets): everything durable,
// the webhook outbox and idempotent answers included, lives in a
// store.Store, so several brokers may share one store. broker/openapi.json
// is the contract of the API; wire types are in broker/api; the Go SDK is
// package client.
package broker

import (
	"crypto/cipher"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/sparelink/sparelink/agent/probe"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/store"
)

// Broker serves the REST API. It is safe for concurrent use.
type Broker struct {
	cfg     Config
	st      store.Store
	log     *zap.Logger
	metrics *metrics
	expiry  *expiries
	limits  *limiter // nil: no rate limit
	exits   *exitWatch
	hooks   *http.Client // posts webhook deliveries
	prober  *probe.Handler
	wakers  *wakers     // wakes control-channel polls waiting on this replica
	signals *signalHub  // NAT traversal: waiting offers, reachability
	sealer  cipher.AEAD // seals stored idempotent answers
	handler http.Handler
	// patterns lists the routes served, in the ServeMux syntax, so that
	// tests can hold them to the OpenAPI document.
	patterns []string
}

// New returns a Broker serving st.
func New(cfg Config, st store.Store, log *zap.Logger) (*Broker, error) {
	if st == nil {
		return nil, errors.New("new broker: nil store")
	}
	if log == nil {
		log = zap.NewNop()
	}
	cfg, err := withDefaults(cfg)
	if err != nil {
		return nil, fmt.Errorf("new broker: %w", err)
	}
	b := &Broker{cfg: cfg, st: st, log: log, expiry: newExpiries(), exits: newExitWatch(),
		hooks:  webhookClient(cfg.WebhookInsecure, cfg.WebhookTimeout),
		prober: probe.NewHandler(probe.HandlerConfig{}, log.Named("probe")), wakers: newWakers()}
	if cfg.RateLimit > 0 {
		b.limits = newLimiter(cfg.RateLimit, cfg.RateBurst, time.Now)
	}
	if b.sealer, err = replayAEAD(cfg.ChallengeSecret); err != nil {
		return nil, fmt.Errorf("new broker: %w", err)
	}
	b.signals = newSignalHub(b.now)
	b.metrics = newMetrics(b.onlineNodes)
	b.handler = b.routes()
	return b, nil
}

// Handler returns the HTTP handler serving the API, /healthz and /metrics.
func (b *Broker) Handler() http.Handler { return b.handler }

// PublicKeys returns the public keys exits need to verify tokens offline,
// by key ID.
func (b *Broker) PublicKeys() map[string]ed25519.PublicKey {
	return map[string]ed25519.PublicKey{b.cfg.Signer.KeyID: b.cfg.Signer.Public()}
}

func (b *Broker) now() time.Time { return b.cfg.Now() }
