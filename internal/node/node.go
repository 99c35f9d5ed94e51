// Package node runs what every exit node has in common, whether it is a home
// agent or an ISP relay: the QUIC exit, registration with the broker, the
// broker's token keys, heartbeats with spare capacity, and the upload of
// signed cumulative receipts for the traffic it carried. Leases the broker
// reports ended in its heartbeat answers, and leases a receipt upload finds
// exhausted, are revoked on the exit: their tokens are refused and their
// tunnels end.
//
// Owner policy and capacity measurement belong to the agent; this package
// is told the spare capacity through Config.Spare and offers the hooks the
// agent applies the owner's decisions with: Refuse and EndTunnels,
// SetMaxRate, SetEgress and Register, HeartbeatNow.
package node

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/lease"
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/relay/egress"
	"github.com/sparelink/sparelink/relay/quicexit"
	"github.com/sparelink/sparelink/relay/wgexit"
)

// Listing is how the node describes itself in the broker's registry.
type Listing struct {
	Region           api.Region
	ASN              int
	ConnectionType   string // residential, business, mobile, datacenter
	PriceMicrosPerGB int64
	CapacityBps      int64
}

// Config configures a node. Key, Broker, Egress and Listing are required.
type Config struct {
	Key     identity.Key
	Broker  *client.Client // authenticated with the operator's key
	Egress  *egress.Policy
	Listing Listing
	// Meter counts the exit's traffic per lease; nil means a new one.
	Meter *meter.Meter
	// ListenQUIC is the UDP address of the exit; empty means 127.0.0.1:0.
	ListenQUIC string
	// AdvertiseAddr is the exit address buyers dial; empty means the
	// listening address.
	AdvertiseAddr string
	// Spare reports spare capacity in bytes per second; nil means
	// Listing.CapacityBps minus nothing.
	Spare func() int64
	// Report, when set, fills each heartbeat beyond spare capacity: load,
	// leases served, why new leases are refused, the owner's caps and the
	// node's estimate of its line. Its SpareBps is ignored (Spare says).
	Report func() api.HeartbeatRequest
	// Commands, when set, handles the control channel's commands that the
	// node does not handle itself (it handles revocations). Errors are
	// logged; the command counts as done either way.
	Commands func(ctx context.Context, c api.Command) error
	// HeartbeatInterval between heartbeats; zero means 10s.
	HeartbeatInterval time.Duration
	// ReceiptInterval between receipt uploads; zero means 5s.
	ReceiptInterval time.Duration
	// TokenTTL is the longest life of the broker's lease tokens: a lease
	// that a receipt upload finds exhausted is refused locally for this
	// long, before the broker's heartbeat answer names its exact time.
	// Zero means 10m, the broker's default.
	TokenTTL time.Duration
	// MaxRateBps caps the exit's total rate from the start; zero: none.
	// SetMaxRate changes it.
	MaxRateBps int64
	// Exit tunes the exit: stream limits, Retry threshold, an operator's
	// TLS certificate and a starting rate cap (MaxRateBps above, when set,
	// takes precedence over Exit.MaxRateBps).
	Exit quicexit.Options
	// WireGuard, when set, runs a WireGuard exit next to the QUIC one and
	// lists the node with the "wg" protocol.
	WireGuard *WireGuard
	// Spool is the SQLite file the node keeps its receipts in until the
	// broker has them (SpoolFile in the data directory); empty means in
	// memory, which loses unsent receipts when the process ends.
	Spool string
	// Refusal, when set, makes the exit refuse new tunnels from the start
	// with this reason. Refuse changes it.
	Refusal string
}

// Node is a running exit node.
type Node struct {
	cfg      Config
	log      *zap.Logger
	meter    *meter.Meter
	verifier *lease.Verifier
	exit     *quicexit.Exit
	wg       *wgexit.Exit // nil without a WireGuard exit
	wgAddr   string
	gate     *gate
	addr     net.Addr
	receipts *uploader // see receipts.go
	maxRate  atomic.Int64
	beat     chan struct{} // HeartbeatNow's requests
	revoked  revocations

	mu      sync.Mutex // guards listing and health
	listing Listing
	health  Health

	closeOnce sync.Once
	closeErr  error
}

// Start fetches the broker's token keys, starts the exit and registers the
// node. Call Run to keep it registered and paid, and Close to stop it.
func Start(ctx context.Context, cfg Config, log *zap.Logger) (*Node, error) {
	if cfg.Broker == nil || cfg.Egress == nil || cfg.Key.Private == nil {
		return nil, errors.New("node: Key, Broker and Egress are required")
	}
	if cfg.ListenQUIC == "" {
		cfg.ListenQUIC = "127.0.0.1:0"
	}
	if cfg.HeartbeatInterval == 0 {
		cfg.HeartbeatInterval = 10 * time.Second
	}
	if cfg.ReceiptInterval == 0 {
		cfg.ReceiptInterval = 5 * time.Second
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = 10 * time.Minute
	}
	if cfg.Spare == nil {
		cfg.Spare = func() int64 { return cfg.Listing.CapacityBps }
	}
	if cfg.Meter == nil {
		cfg.Meter = new(meter.Meter)
	}
	n := &Node{cfg: cfg, log: log, meter: cfg.Meter, listing: cfg.Listing, beat: make(chan struct{}, 1)}
	n.gate = newGate(cfg.Egress, cfg.Refusal)
	keys, err := n.brokerKeys(ctx)
	if err != nil {
		return nil, err
	}
	n.verifier = lease.NewVerifier(keys, nil)
	if n.receipts, err = newUploader(cfg, n.meter, log.Named("receipts")); err != nil {
		return nil, err
	}
	n.exit, err = quicexit.New(quicexit.Config{
		Key:      cfg.Key,
		Verifier: n.verifier,
		Egress:   n.gate,
		Meter:    n.meter,
		Options:  cfg.Exit,
		Issuer:   n.receipts.iss,
		Receipts: n.receipts.sp,
	}, log.Named("exit"))
	if err == nil {
		err = n.receipts.resume(ctx, n.exit)
	}
	if err != nil {
		n.receipts.close()
		return nil, fmt.Errorf("start exit: %w", err)
	}
	if cfg.MaxRateBps == 0 {
		cfg.MaxRateBps = cfg.Exit.MaxRateBps
	}
	n.SetMaxRate(cfg.MaxRateBps)
	if n.addr, err = n.exit.Listen(cfg.ListenQUIC); err != nil {
		n.exit.Close()
		return nil, fmt.Errorf("start exit: %w", err)
	}
	if err := n.startWireGuard(); err != nil {
		n.exit.Close()
		return nil, err
	}
	if err := n.Register(ctx, 0); err != nil {
		n.Close()
		return nil, err
	}
	return n, nil
}

// ID is the node's ID.
func (n *Node) ID() string { return n.cfg.Key.NodeID() }

// ExitAddr is the address buyers dial.
func (n *Node) ExitAddr() string {
	if n.cfg.AdvertiseAddr != "" {
		return n.cfg.AdvertiseAddr
	}
	return n.addr.String()
}

// Meter is the node's per-lease byte counts.
func (n *Node) Meter() *meter.Meter { return n.meter }

// ActiveTunnels is how many buyer connections the exit carries now.
func (n *Node) ActiveTunnels() int { return n.exit.ActiveTunnels() }

func (n *Node) brokerKeys(ctx context.Context) (map[string]ed25519.PublicKey, error) {
	res, err := n.cfg.Broker.BrokerKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("fetch broker token keys: %w", err)
	}
	keys := make(map[string]ed25519.PublicKey, len(res.Keys))
	for _, k := range res.Keys {
		pub, err := base64.StdEncoding.DecodeString(k.PublicKey)
		if err != nil || len(pub) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("broker token key %q is not an Ed25519 public key", k.KID)
		}
		keys[k.KID] = ed25519.PublicKey(pub)
	}
	if len(keys) == 0 {
		return nil, errors.New("broker published no token keys")
	}
	return keys, nil
}
