// Package broker is the marketplace's HTTP server: the REST API through
// which operators register exits and report usage, buyers buy coverage,
// and administrators fund accounts and audit the ledger.
//
// The broker decides who may do what, matches buyers to exits, prices
// leases and issues the exit tokens. It keeps no state of its own beyond a
// cache of lease expiries: everything durable lives in a store.Store, so
// several brokers may share one store. Wire types are in broker/api; the Go
// SDK is package client.
package broker

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/internal/lease"
)

// Config tunes a Broker. The zero value of every field is its documented
// default.
type Config struct {
	// Signer signs exit tokens. Zero: a fresh random key, so tokens from a
	// previous run no longer verify.
	Signer lease.Signer
	// FeeBPS is the broker's fee in basis points of every charge, 1 to
	// 10000. Zero: 1000 (10%). A price table with a fee overrides it.
	FeeBPS int64
	// Prices is the published price table (LoadPriceTable reads one from
	// a file). Zero: no minimum prices, the fee from FeeBPS.
	Prices PriceTable
	// HeartbeatTTL is how long a node stays online after its last
	// heartbeat. Zero: 30s.
	HeartbeatTTL time.Duration
	// TokenTTL bounds the life of an exit token; tokens never outlive their
	// lease. Zero: 10m.
	TokenTTL time.Duration
	// DefaultLeaseDuration applies when a lease request names none.
	// Zero: 1h.
	DefaultLeaseDuration time.Duration
	// ChallengeSecret keys the HMAC of node registration challenges.
	// Brokers sharing a store must share it. Zero: random per Broker.
	ChallengeSecret []byte
	// RateLimit is how many requests per second each API key may send
	// once its burst is spent. Zero: 100; negative: no limit. The limiter
	// runs on the wall clock, whatever Now says.
	RateLimit float64
	// RateBurst is how many requests a key may send at once. Zero: 200.
	RateBurst int
	// IdempotencyWait is how long a request repeating the Idempotency-Key
	// of one still running waits for its answer before it gets 409
	// idempotency_in_progress. Zero: 2s.
	IdempotencyWait time.Duration
	// IdempotencyTTL is how long answers are kept for Idempotency-Key
	// repeats; Sweep deletes older ones. Zero: 24h.
	IdempotencyTTL time.Duration
	// Now is the clock. Nil: time.Now.
	Now func() time.Time
}

// Defaults applied by New.
const (
	DefaultFeeBPS                 = 1000
	DefaultHeartbeatTTL           = 30 * time.Second
	DefaultTokenTTL               = 10 * time.Minute
	DefaultLeaseDuration          = time.Hour
	DefaultRateLimit              = 100
	DefaultRateBurst              = 200
	DefaultIdempotencyWait        = 2 * time.Second
	DefaultIdempotencyTTL         = 24 * time.Hour
	challengeTTL                  = 5 * time.Minute
	maxLeaseDuration              = 30 * 24 * time.Hour
	challengeSecretSize           = 32
	maxBPS                 int64  = 10000
	bootstrapAdminID       string = "ac_admin"
)

// Broker serves the REST API. It is safe for concurrent use.
type Broker struct {
	cfg     Config
	st      store.Store
	log     *zap.Logger
	metrics *metrics
	expiry  *expiries
	limits  *limiter // nil: no rate limit
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
	b := &Broker{cfg: cfg, st: st, log: log, expiry: newExpiries()}
	if cfg.RateLimit > 0 {
		b.limits = newLimiter(cfg.RateLimit, cfg.RateBurst, time.Now)
	}
	b.metrics = newMetrics(b.onlineNodes)
	b.handler = b.routes()
	return b, nil
}

func withDefaults(cfg Config) (Config, error) {
	if cfg.Signer.Key == nil {
		s, err := lease.NewSigningKey()
		if err != nil {
			return cfg, err
		}
		cfg.Signer = s
	}
	if len(cfg.Signer.Key) != ed25519.PrivateKeySize || cfg.Signer.KeyID == "" {
		return cfg, lease.ErrBadKey
	}
	if cfg.Prices.Version != 0 || len(cfg.Prices.Rows) > 0 || cfg.Prices.FeeBPS != 0 {
		if err := cfg.Prices.check(); err != nil {
			return cfg, fmt.Errorf("price table: %w", err)
		}
		if cfg.Prices.FeeBPS != 0 {
			cfg.FeeBPS = cfg.Prices.FeeBPS
		}
	}
	if cfg.FeeBPS == 0 {
		cfg.FeeBPS = DefaultFeeBPS
	}
	if cfg.FeeBPS < 0 || cfg.FeeBPS > maxBPS {
		return cfg, fmt.Errorf("fee %d bps out of range 1..%d", cfg.FeeBPS, maxBPS)
	}
	cfg.HeartbeatTTL = orDuration(cfg.HeartbeatTTL, DefaultHeartbeatTTL)
	cfg.TokenTTL = orDuration(cfg.TokenTTL, DefaultTokenTTL)
	cfg.DefaultLeaseDuration = orDuration(cfg.DefaultLeaseDuration, DefaultLeaseDuration)
	if cfg.DefaultLeaseDuration > maxLeaseDuration {
		return cfg, fmt.Errorf("default lease duration %s exceeds %s", cfg.DefaultLeaseDuration, maxLeaseDuration)
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = DefaultRateLimit
	}
	if cfg.RateBurst <= 0 {
		cfg.RateBurst = DefaultRateBurst
	}
	cfg.IdempotencyWait = orDuration(cfg.IdempotencyWait, DefaultIdempotencyWait)
	cfg.IdempotencyTTL = orDuration(cfg.IdempotencyTTL, DefaultIdempotencyTTL)
	if len(cfg.ChallengeSecret) == 0 {
		cfg.ChallengeSecret = make([]byte, challengeSecretSize)
		if _, err := rand.Read(cfg.ChallengeSecret); err != nil {
			return cfg, fmt.Errorf("challenge secret: %w", err)
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg, nil
}

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Handler returns the HTTP handler serving the API, /healthz and /metrics.
func (b *Broker) Handler() http.Handler { return b.handler }

// PublicKeys returns the public keys exits need to verify tokens offline,
// by key ID.
func (b *Broker) PublicKeys() map[string]ed25519.PublicKey {
	return map[string]ed25519.PublicKey{b.cfg.Signer.KeyID: b.cfg.Signer.Public()}
}

func (b *Broker) now() time.Time { return b.cfg.Now() }
