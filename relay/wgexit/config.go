package wgexit

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/relay/egress"
)

// Defaults of the zero Config.
const (
	DefaultListenAddr     = ":51820"
	DefaultMTU            = 1280
	DefaultDialTimeout    = 10 * time.Second
	DefaultUDPIdleTimeout = 60 * time.Second
	DefaultMaxFlows       = 1024
)

// Default address pools: private space that does not overlap the CGNAT
// range, so a buyer behind a carrier NAT keeps reaching its own network.
var (
	DefaultPrefix4 = netip.MustParsePrefix("10.200.0.0/16")
	DefaultPrefix6 = netip.MustParsePrefix("fd00:5e::/64")
)

var (
	// ErrInvalidConfig means New was given a Config it cannot run with.
	ErrInvalidConfig = errors.New("wgexit: invalid config")
	// ErrClosed is returned by calls on an Exit that was closed.
	ErrClosed = errors.New("wgexit: exit closed")
	// ErrInvalidPeer means AddPeer was given an unusable Peer.
	ErrInvalidPeer = errors.New("wgexit: invalid peer")
	// ErrPeerExists means the public key is already a peer of the exit.
	ErrPeerExists = errors.New("wgexit: peer already exists")
	// ErrUnknownPeer means the public key is not a peer of the exit.
	ErrUnknownPeer = errors.New("wgexit: unknown peer")
	// ErrAddressInUse means the tunnel address a peer asked for belongs
	// to another peer.
	ErrAddressInUse = errors.New("wgexit: tunnel address in use")
	// ErrPoolExhausted means every tunnel address is assigned.
	ErrPoolExhausted = errors.New("wgexit: address pool exhausted")
	// ErrCapReached means the lease has used all of its MaxBytes.
	ErrCapReached = errors.New("wgexit: lease byte cap reached")
)

// Egress is what the exit needs of the egress policy; *egress.Policy
// satisfies it. DialContext opens connections on a buyer's behalf,
// CheckAddr judges the destination of a new UDP flow before the packet is
// accepted, and Resolve answers the tunnel's DNS.
type Egress interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
	CheckAddr(ap netip.AddrPort) error
	Resolve(ctx context.Context, host string, port uint16) ([]netip.AddrPort, error)
}

var _ Egress = (*egress.Policy)(nil)

// Config configures an Exit. The zero value of every field but PrivateKey
// and Egress is the documented default.
type Config struct {
	// PrivateKey is the node's WireGuard key; required.
	PrivateKey identity.WireGuardKey
	// Egress decides and dials destinations; required.
	Egress Egress
	// Meter counts payload bytes per lease; nil means a private meter,
	// readable through Exit.Meter.
	Meter *meter.Meter
	// ListenAddr is the UDP address of the WireGuard socket. An empty
	// host listens on every address of both families; default ":51820".
	// Port 0 picks a free port (see Exit.Port).
	ListenAddr string
	// Prefix4 and Prefix6 are the tunnel address pools; their first
	// address is the exit's own. Defaults 10.200.0.0/16, fd00:5e::/64.
	Prefix4, Prefix6 netip.Prefix
	// MTU is the tunnel MTU; default 1280, the IPv6 minimum, so that the
	// tunnel fits inside any IPv6 path (see docs/wireguard.md).
	MTU int
	// DialTimeout bounds one connection to a destination; default 10s.
	DialTimeout time.Duration
	// UDPIdleTimeout ends a UDP flow with no traffic; default 60s.
	UDPIdleTimeout time.Duration
	// MaxFlows bounds the open TCP connections and UDP flows of one
	// lease; default 1024.
	MaxFlows int
}

// withDefaults fills the zero fields and checks the rest.
func (c Config) withDefaults() (Config, error) {
	if c.Egress == nil {
		return c, fmt.Errorf("%w: Egress is required", ErrInvalidConfig)
	}
	if c.PrivateKey == (identity.WireGuardKey{}) {
		return c, fmt.Errorf("%w: PrivateKey is required", ErrInvalidConfig)
	}
	if c.Meter == nil {
		c.Meter = new(meter.Meter)
	}
	if c.ListenAddr == "" {
		c.ListenAddr = DefaultListenAddr
	}
	if !c.Prefix4.IsValid() {
		c.Prefix4 = DefaultPrefix4
	}
	if !c.Prefix6.IsValid() {
		c.Prefix6 = DefaultPrefix6
	}
	c.MTU = orDefault(c.MTU, DefaultMTU)
	c.DialTimeout = orDefault(c.DialTimeout, DefaultDialTimeout)
	c.UDPIdleTimeout = orDefault(c.UDPIdleTimeout, DefaultUDPIdleTimeout)
	c.MaxFlows = orDefault(c.MaxFlows, DefaultMaxFlows)
	if c.MTU < 1280 || c.MTU > 65535-80 {
		return c, fmt.Errorf("%w: MTU %d is outside 1280-65455", ErrInvalidConfig, c.MTU)
	}
	return c, nil
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
