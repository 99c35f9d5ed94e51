package agent

import (
	"errors"
	"fmt"
	"time"

	"github.com/sparelink/sparelink/agent/owner"
	"github.com/sparelink/sparelink/agent/reach"
	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/internal/node"
	"github.com/sparelink/sparelink/relay/punch"
)

// Config is the agent's configuration; see cmd/sparelink-agent for the
// flags that fill it. DataDir, BrokerURL and Region.Country are required,
// and OperatorKey unless the data directory holds one from Pair.
type Config struct {
	DataDir     string
	BrokerURL   string
	OperatorKey string

	Region         api.Region
	ASN            int
	ConnectionType string // zero: residential
	// PriceMicrosPerGB is the owner's floor price; zero means 1,000,000
	// (one unit per GB).
	PriceMicrosPerGB int64

	ListenQUIC    string // zero: 127.0.0.1:0
	AdvertiseAddr string
	// ListenWireGuard is the UDP address of the WireGuard exit (zero:
	// 127.0.0.1:0) and AdvertiseWireGuard the address buyers' clients
	// dial (zero: the listen address). NoWireGuard runs none.
	ListenWireGuard, AdvertiseWireGuard string
	NoWireGuard                         bool

	// LinkUpBps and LinkDownBps are the line's capacity in bytes per
	// second, when known.
	LinkUpBps, LinkDownBps int64
	// Interfaces whose counters measure household traffic; empty: all but
	// loopback.
	Interfaces []string

	// Owner, when set, edits the owner's stored settings at every start:
	// what the config file or command line sets wins over the dashboard.
	// MaxRateBps (both directions), EgressAllow and EgressDeny, when not
	// zero, are applied the same way.
	Owner                   func(*owner.Settings)
	MaxRateBps              int64
	EgressAllow, EgressDeny []string

	// Reach, when set, checks how buyers reach this machine; Run runs it
	// and the status API shows its verdict. Nil means "unknown".
	Reach *reach.Checker
	// Punch, when set, lets buyers behind other NATs reach the exit:
	// the agent answers their ICE offers, reports Reach's verdict to the
	// broker and keeps a connection to the rendezvous relay the broker
	// assigns (docs/nat.md).
	Punch *punch.Config

	// StatusListen is the loopback address of the status API and the
	// dashboard; zero means 127.0.0.1:0 (the address is written to
	// status.addr in the data directory).
	StatusListen string

	HeartbeatInterval time.Duration
	ReceiptInterval   time.Duration
	// ControlInterval between applications of the owner's controls; zero
	// means 1s. Changed settings apply at once.
	ControlInterval time.Duration
	// BalanceInterval between fetches of the earnings; zero means 30s.
	BalanceInterval time.Duration
	// IdleHold is how long the household must stay below the owner's idle
	// threshold before an only-when-idle agent shares again; zero means
	// 30s.
	IdleHold time.Duration
	// ProbeInterval between line probes against the broker; zero means
	// 24h, negative no probes. ProbeDelay is the wait after start before
	// the first one, which runs once the line is idle; zero means 1m.
	ProbeInterval, ProbeDelay time.Duration
	// Now is the clock, in the machine's time zone; nil means time.Now.
	Now func() time.Time
}

// Files in the data directory besides owner.SettingsFile,
// owner.UsageFile, status.TokenFile and status.AddrFile.
const (
	// KeyFile holds the node's Ed25519 key.
	KeyFile = node.KeyFile
	// WireGuardKeyFile holds the node's WireGuard private key, base64.
	WireGuardKeyFile = "wireguard.key"
)

// withDefaults checks cfg and fills in its defaults, including the
// operator key stored by Pair.
func withDefaults(cfg Config) (Config, error) {
	if cfg.DataDir == "" || cfg.BrokerURL == "" {
		return cfg, errors.New("agent: data dir and broker URL are required")
	}
	if cfg.OperatorKey == "" {
		key, err := LoadOperatorKey(cfg.DataDir)
		if err != nil {
			return cfg, fmt.Errorf("agent: no operator key given and none paired: %w", err)
		}
		cfg.OperatorKey = key
	}
	if cfg.ConnectionType == "" {
		cfg.ConnectionType = api.ConnResidential
	}
	if cfg.PriceMicrosPerGB == 0 {
		cfg.PriceMicrosPerGB = 1_000_000
	}
	if cfg.ControlInterval <= 0 {
		cfg.ControlInterval = time.Second
	}
	if cfg.BalanceInterval <= 0 {
		cfg.BalanceInterval = 30 * time.Second
	}
	if cfg.ProbeInterval == 0 {
		cfg.ProbeInterval = DefaultProbeInterval
	}
	if cfg.ProbeDelay <= 0 {
		cfg.ProbeDelay = time.Minute
	}
	if cfg.IdleHold <= 0 {
		cfg.IdleHold = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg, nil
}

// override applies the settings the configuration gives.
func (a *Agent) override(s *owner.Settings) {
	if a.cfg.MaxRateBps > 0 {
		s.MaxUpBps, s.MaxDownBps = a.cfg.MaxRateBps, a.cfg.MaxRateBps
	}
	if a.cfg.EgressAllow != nil {
		s.EgressAllow = a.cfg.EgressAllow
	}
	if a.cfg.EgressDeny != nil {
		s.EgressDeny = a.cfg.EgressDeny
	}
	if a.cfg.Owner != nil {
		a.cfg.Owner(s)
	}
}
