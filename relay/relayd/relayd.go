// Package relayd runs an ISP's relay: a high-capacity exit with a public
// address, registered with the broker under the operator's key. Unlike the
// home agent it does not share a line with a household, so it offers its
// configured capacity as spare, and enforces it as the exit's total rate.
// It may also present the operator's own TLS certificate to clients that
// ask for its names, and serve Prometheus metrics.
//
// docs/operators.md is the guide for the people who run it.
package relayd

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/node"
)

// Config configures a relay. DataDir, BrokerURL, OperatorKey and
// Region.Country are required.
type Config struct {
	DataDir     string
	BrokerURL   string
	OperatorKey string

	Region         api.Region
	ASN            int
	ConnectionType string // zero: business
	// PriceMicrosPerGB is the operator's floor; zero means 800,000.
	PriceMicrosPerGB int64
	// CapacityBps is what the relay may carry, bytes per second, both
	// directions together; zero means 125,000,000 (1 Gbit/s). The exit
	// never carries more.
	CapacityBps int64

	Listen    string // UDP address of the QUIC exit; zero: 127.0.0.1:0
	Advertise string // address buyers dial; zero: the listen address
	// ListenWireGuard and AdvertiseWireGuard are the WireGuard exit's
	// addresses (zero: 127.0.0.1:0 and the listen address); NoWireGuard
	// runs none. The key is wireguard.key in DataDir.
	ListenWireGuard, AdvertiseWireGuard string
	NoWireGuard                         bool

	// TLSCertFile and TLSKeyFile, both or neither, are a PEM certificate
	// chain and its key. The exit presents the certificate to clients
	// that ask for one of its names; buyers still pin the node key.
	TLSCertFile, TLSKeyFile string
	// MaxStreamsPerLease bounds one lease's open tunnels; zero means 512.
	MaxStreamsPerLease int
	// RetryAbove is the rate of new connection attempts per second above
	// which the exit demands a QUIC Retry; zero means 1000, negative
	// means always.
	RetryAbove float64

	EgressAllow, EgressDeny []string
	// EgressWebOnly lets buyers reach ports 80 and 443 only.
	EgressWebOnly     bool
	HeartbeatInterval time.Duration
	ReceiptInterval   time.Duration
}

// WireGuardKeyFile holds the relay's WireGuard private key in DataDir.
const WireGuardKeyFile = "wireguard.key"

// Start loads or creates the relay's identity, starts its exit and
// registers it. Run the returned node until the relay should stop.
func Start(ctx context.Context, cfg Config, log *zap.Logger) (*node.Node, error) {
	if cfg.DataDir == "" || cfg.BrokerURL == "" || cfg.OperatorKey == "" {
		return nil, errors.New("relay: data dir, broker URL and operator key are required")
	}
	if err := checkAddresses(cfg.Listen, cfg.Advertise); err != nil {
		return nil, err
	}
	if !cfg.NoWireGuard {
		if err := checkAddresses(cfg.ListenWireGuard, cfg.AdvertiseWireGuard); err != nil {
			return nil, fmt.Errorf("wireguard exit: %w", err)
		}
	}
	if cfg.ConnectionType == "" {
		cfg.ConnectionType = api.ConnBusiness
	}
	if cfg.PriceMicrosPerGB == 0 {
		cfg.PriceMicrosPerGB = 800_000
	}
	if cfg.CapacityBps == 0 {
		cfg.CapacityBps = 125_000_000
	}
	key, err := node.LoadKey(cfg.DataDir, log)
	if err != nil {
		return nil, err
	}
	rules := node.Rules{Allow: cfg.EgressAllow, Deny: cfg.EgressDeny, WebOnly: cfg.EgressWebOnly}
	policy, err := rules.Policy(log)
	if err != nil {
		return nil, err
	}
	exit, err := exitOptions(cfg, key, time.Now())
	if err != nil {
		return nil, err
	}
	var wg *node.WireGuard
	if !cfg.NoWireGuard {
		wgKey, _, err := identity.LoadOrCreateWireGuard(filepath.Join(cfg.DataDir, WireGuardKeyFile))
		if err != nil {
			return nil, err
		}
		wg = &node.WireGuard{Key: wgKey, ListenAddr: cfg.ListenWireGuard, AdvertiseAddr: cfg.AdvertiseWireGuard}
	}
	return node.Start(ctx, node.Config{
		Key:    key,
		Broker: client.New(cfg.BrokerURL, cfg.OperatorKey),
		Egress: policy,
		Listing: node.Listing{
			Region: cfg.Region, ASN: cfg.ASN, ConnectionType: cfg.ConnectionType,
			PriceMicrosPerGB: cfg.PriceMicrosPerGB, CapacityBps: cfg.CapacityBps,
		},
		ListenQUIC:        cfg.Listen,
		AdvertiseAddr:     cfg.Advertise,
		HeartbeatInterval: cfg.HeartbeatInterval,
		ReceiptInterval:   cfg.ReceiptInterval,
		Exit:              exit,
		WireGuard:         wg,
		Spool:             filepath.Join(cfg.DataDir, node.SpoolFile),
	}, log)
}
