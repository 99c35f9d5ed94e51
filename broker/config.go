package broker

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"time"

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
	// LowBalanceMicros is the available balance below which a hold raises
	// a low_balance event. Zero: 1000000 (one currency unit).
	LowBalanceMicros int64
	// WebhookPoll is how often DeliverWebhooks looks for due deliveries.
	// Zero: 1s.
	WebhookPoll time.Duration
	// WebhookBackoff is the wait after a failed delivery, doubling with
	// every further failure up to an hour. Zero: 10s.
	WebhookBackoff time.Duration
	// WebhookMaxAttempts bounds the attempts of one delivery. Zero: 12
	// (about four hours of retries at the default backoff).
	WebhookMaxAttempts int
	// WebhookTimeout bounds one delivery attempt. Zero: 10s.
	WebhookTimeout time.Duration
	// WebhookInsecure lets webhooks use http URLs and reach loopback,
	// private and link-local addresses. Only for tests and closed
	// networks: otherwise anyone with a key could make the broker probe
	// its own network.
	WebhookInsecure bool
	// ExitCheckInterval is how often CheckExits checks every online
	// node's exit. Zero: 1m.
	ExitCheckInterval time.Duration
	// ExitCheckTimeout bounds one exit check. Zero: 5s.
	ExitCheckTimeout time.Duration
	// ExitCheckPrivate lets exit checks dial loopback, private and
	// link-local node addresses. Only for tests and closed networks.
	ExitCheckPrivate bool
	// Now is the clock. Nil: time.Now.
	Now func() time.Time
}

// Defaults applied by New.
const (
	DefaultFeeBPS                    = 1000
	DefaultHeartbeatTTL              = 30 * time.Second
	DefaultTokenTTL                  = 10 * time.Minute
	DefaultLeaseDuration             = time.Hour
	DefaultRateLimit                 = 100
	DefaultRateBurst                 = 200
	DefaultIdempotencyWait           = 2 * time.Second
	DefaultIdempotencyTTL            = 24 * time.Hour
	DefaultLowBalanceMicros          = 1_000_000
	DefaultWebhookPoll               = time.Second
	DefaultWebhookBackoff            = 10 * time.Second
	DefaultWebhookMaxAttempts        = 12
	DefaultWebhookTimeout            = 10 * time.Second
	challengeTTL                     = 5 * time.Minute
	maxLeaseDuration                 = 30 * 24 * time.Hour
	challengeSecretSize              = 32
	maxBPS                    int64  = 10000
	bootstrapAdminID          string = "ac_admin"
)

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
	cfg.ExitCheckInterval = orDuration(cfg.ExitCheckInterval, DefaultExitCheckInterval)
	cfg.ExitCheckTimeout = orDuration(cfg.ExitCheckTimeout, DefaultExitCheckTimeout)
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
	cfg.WebhookPoll = orDuration(cfg.WebhookPoll, DefaultWebhookPoll)
	cfg.WebhookBackoff = orDuration(cfg.WebhookBackoff, DefaultWebhookBackoff)
	cfg.WebhookTimeout = orDuration(cfg.WebhookTimeout, DefaultWebhookTimeout)
	if cfg.WebhookMaxAttempts <= 0 {
		cfg.WebhookMaxAttempts = DefaultWebhookMaxAttempts
	}
	if cfg.LowBalanceMicros <= 0 {
		cfg.LowBalanceMicros = DefaultLowBalanceMicros
	}
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
