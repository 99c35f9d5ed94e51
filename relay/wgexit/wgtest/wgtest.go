// Package wgtest starts real WireGuard exits and buyers inside one test
// process: the exit is relay/wgexit on loopback, and each buyer is a
// wireguard-go device on wireguard-go's own userspace network stack,
// configured from the wg-quick text the exit renders, so tests exercise
// the same path a stock client takes. It holds no test doubles.
package wgtest

import (
	"net/netip"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/relay/egress"
	"github.com/sparelink/sparelink/relay/wgexit"
)

// Env is a running exit and what a test needs to reach and check it.
type Env struct {
	Exit     *wgexit.Exit
	Meter    *meter.Meter
	Endpoint string // the exit's "127.0.0.1:port"
}

// Logger is zaptest's logger for tests and a silent one for benchmarks.
func Logger(t testing.TB) *zap.Logger {
	if _, bench := t.(*testing.B); bench {
		return zap.NewNop()
	}
	return zaptest.NewLogger(t)
}

// Policy builds an egress policy that permits exactly the destinations
// in allow (each as egress.ParseRule reads it) beyond the built-in rules.
func Policy(t testing.TB, cfg egress.Config, allow ...string) *egress.Policy {
	t.Helper()
	for _, a := range allow {
		r, err := egress.ParseRule(a)
		if err != nil {
			t.Fatalf("wgtest: allow %q: %v", a, err)
		}
		cfg.Allow = append(cfg.Allow, r)
	}
	p, err := egress.New(cfg, Logger(t))
	if err != nil {
		t.Fatalf("wgtest: egress policy: %v", err)
	}
	return p
}

// Start runs an exit on 127.0.0.1 with cfg; a nil cfg.Egress becomes a
// policy permitting exactly allow, and the key, meter and listen address
// are filled in when unset. The exit is closed when the test ends.
func Start(t testing.TB, cfg wgexit.Config, allow ...string) *Env {
	t.Helper()
	if cfg.Egress == nil {
		cfg.Egress = Policy(t, egress.Config{}, allow...)
	}
	if cfg.PrivateKey == (identity.WireGuardKey{}) {
		cfg.PrivateKey = NewKey(t)
	}
	if cfg.Meter == nil {
		cfg.Meter = new(meter.Meter)
	}
	if cfg.ListenAddr == "" {
		cfg.ListenAddr = "127.0.0.1:0"
	}
	exit, err := wgexit.New(cfg, Logger(t))
	if err != nil {
		t.Fatalf("wgtest: start exit: %v", err)
	}
	t.Cleanup(func() { _ = exit.Close() })
	ep := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), exit.Port())
	return &Env{Exit: exit, Meter: cfg.Meter, Endpoint: ep.String()}
}

// NewKey generates a WireGuard private key.
func NewKey(t testing.TB) identity.WireGuardKey {
	t.Helper()
	k, err := identity.GenerateWireGuard()
	if err != nil {
		t.Fatalf("wgtest: %v", err)
	}
	return k
}

// PublicKey returns the raw public key of k.
func PublicKey(t testing.TB, k identity.WireGuardKey) [32]byte {
	t.Helper()
	pub, err := k.Public()
	if err != nil {
		t.Fatalf("wgtest: %v", err)
	}
	raw, err := identity.ParseWireGuardKey([]byte(pub))
	if err != nil {
		t.Fatalf("wgtest: public key: %v", err)
	}
	return raw
}
