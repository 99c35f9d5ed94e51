// Package quicexit is the QUIC exit: an HTTP/3 server that carries buyers'
// TCP connections to destinations through CONNECT requests (RFC 9114 §4.4)
// and their UDP flows through CONNECT-UDP (RFC 9298) with HTTP Datagrams.
//
// Every request must carry a broker-signed lease token for this node; the
// exit checks it offline, dials the destination through the egress policy,
// reports failures with RFC 9209 Proxy-Status, counts the payload per lease
// and closes tunnels once the lease's byte cap is used up.
//
// It also keeps each lease to its limits: the token's rate (both
// directions together, as the lease is billed), a number of open streams,
// and the node's total rate, which leases share in turns. Shaping is
// backpressure: a tunnel waits for its rate before it reads, so data stays
// in the sender's flow-control window and nothing is dropped. Under a
// flood of new connections the exit asks clients to prove their source
// address with a QUIC Retry before it does any handshake work.
//
// It does not issue receipts; internal/node does.
package quicexit

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"go.uber.org/zap"

	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/lease"
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/metering/receipt"
)

// ErrClosed is returned by Listen after Close.
var ErrClosed = errors.New("quic exit closed")

// maxHeaderBytes bounds request headers; a token is at most 4 KiB.
const maxHeaderBytes = 16 << 10

// Egress dials destinations on behalf of buyers, applying the exit's egress
// policy. relay/egress.Policy implements it.
type Egress interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// Config configures an Exit. Key, Verifier and Egress are required.
type Config struct {
	// Key is the node's identity: it provides the TLS certificate buyers pin
	// and the node ID tokens must name.
	Key identity.Key
	// Verifier checks lease tokens.
	Verifier *lease.Verifier
	// Egress dials destinations.
	Egress Egress
	// Meter counts payload per lease: Up is buyer→destination bytes written
	// to the destination, Down is destination→buyer bytes written to the
	// buyer. Nil means a private meter.
	Meter *meter.Meter
	// MaxStreamsPerConn bounds concurrent tunnels per QUIC connection; zero
	// means 256.
	MaxStreamsPerConn int64
	// IdleTimeout closes QUIC connections that carried no packets, or no
	// requests, for this long; zero means 60s.
	IdleTimeout time.Duration
	// UDPIdleTimeout ends a CONNECT-UDP flow that carried no datagram in
	// either direction for this long; zero means 2 minutes.
	UDPIdleTimeout time.Duration
	// Options are the operator's limits and certificate.
	Options
	// Issuer signs the exit's receipts; nil means one of its own. A node
	// shares its issuer with the exit so that both extend one hash chain
	// per lease.
	Issuer *receipt.Issuer
	// Receipts, when set, keeps every receipt the exit issues or has
	// countersigned before the exit relies on it.
	Receipts ReceiptSink
}

// Exit is a QUIC exit server. It is safe for concurrent use.
type Exit struct {
	cfg    Config
	log    *zap.Logger
	nodeID string
	tls    *tls.Config
	quic   *quic.Config
	srv    *http3.Server

	clock     clock
	stats     counters
	unmetered bool // set only by NewUnmeteredForBenchmark
	retry     *handshakeGuard
	rateMu    sync.Mutex             // serialises SetMaxRate
	nodeRate  atomic.Pointer[bucket] // the node's cap; nil is none

	mu        sync.Mutex
	closed    bool
	listeners []*listener
	tunnels   map[*tunnel]struct{}
	budgets   map[string]*budget

	issuer   *receipt.Issuer // see receipt.go
	receipts receiptBook

	serving   sync.WaitGroup // ServeListener goroutines
	handlers  sync.WaitGroup // request handlers
	closeOnce sync.Once
	closeErr  error
}

// listener is one UDP socket the exit serves on.
type listener struct {
	conn *net.UDPConn
	tr   *quic.Transport
	ln   *quic.Listener
}

// New checks cfg and returns an exit that serves nothing until Listen. A
// nil log discards logs.
func New(cfg Config, log *zap.Logger) (*Exit, error) {
	return newExit(cfg, log, systemClock{})
}

func newExit(cfg Config, log *zap.Logger, clk clock) (*Exit, error) {
	switch {
	case len(cfg.Key.Private) != ed25519.PrivateKeySize:
		return nil, errors.New("new quic exit: Config.Key is not an Ed25519 key")
	case cfg.Verifier == nil:
		return nil, errors.New("new quic exit: Config.Verifier is required")
	case cfg.Egress == nil:
		return nil, errors.New("new quic exit: Config.Egress is required")
	}
	if cfg.Meter == nil {
		cfg.Meter = new(meter.Meter)
	}
	if cfg.MaxStreamsPerConn <= 0 {
		cfg.MaxStreamsPerConn = defaultMaxStreams
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = defaultIdleTimeout
	}
	cfg.Options = cfg.Options.withDefaults()
	if cfg.Issuer == nil {
		cfg.Issuer = receipt.NewIssuer(cfg.Key.Private, cfg.Key.NodeID(), nil)
	}
	if log == nil {
		log = zap.NewNop()
	}
	tlsConf, err := serverTLS(cfg.Key, cfg.Certificate)
	if err != nil {
		return nil, fmt.Errorf("new quic exit: %w", err)
	}
	e := &Exit{
		cfg:     cfg,
		log:     log.Named("quicexit"),
		nodeID:  cfg.Key.NodeID(),
		tls:     http3.ConfigureTLSConfig(tlsConf),
		quic:    &quic.Config{MaxIncomingStreams: cfg.MaxStreamsPerConn, MaxIdleTimeout: cfg.IdleTimeout, EnableDatagrams: true},
		tunnels: make(map[*tunnel]struct{}),
		budgets: make(map[string]*budget),
		clock:   clk,
		issuer:  cfg.Issuer,
	}
	e.retry = newHandshakeGuard(cfg.RetryAbove, clk, &e.stats)
	e.SetMaxRate(cfg.MaxRateBps)
	e.srv = &http3.Server{
		Handler:        handler{e},
		IdleTimeout:    cfg.IdleTimeout,
		MaxHeaderBytes: maxHeaderBytes,
		// HTTP Datagrams for CONNECT-UDP; buyers that do not enable
		// them still get TCP tunnels.
		EnableDatagrams: true,
	}
	return e, nil
}
