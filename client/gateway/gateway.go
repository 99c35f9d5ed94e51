// Package gateway is the buyer's local proxy: it accepts SOCKS5 (RFC 1928)
// and HTTP proxy connections from stock clients on the buyer's machine and
// carries each one through an exit.
//
// The gateway never dials destinations itself and never resolves
// destination names locally: every target, name or address, is handed
// unresolved to a Dialer that reaches it through an exit (socks5h
// semantics). Choosing exits, failing over between them and checking
// receipts are not done here; they belong to whatever implements Dialer.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/sparelink/sparelink/metering/meter"
	"go.uber.org/zap"
)

// Defaults used when the matching Config field is zero.
const (
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultMaxConns         = 1024
)

// Errors callers can branch on with errors.Is.
var (
	// ErrClosed is returned by Listen methods after Close.
	ErrClosed = errors.New("gateway: closed")
	// ErrPublicListen is returned when asked to listen on a non-loopback
	// address without both AllowPublic and credentials.
	ErrPublicListen = errors.New("gateway: refusing to listen on a non-loopback address")
	// ErrConfig reports an invalid Config.
	ErrConfig = errors.New("gateway: invalid config")
)

// Dialer opens a connection to address ("host:port", host may be a name)
// through an exit. Errors that implement interface{ ProxyStatus() string }
// carry an RFC 9209 error type that the gateway reports to clients.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// Config configures a Gateway. The zero value is a loopback-only gateway
// without authentication or byte counting.
type Config struct {
	// Username and Password are optional; when set, SOCKS5 requires RFC
	// 1929 authentication and HTTP requires Proxy-Authorization: Basic.
	// Both must be 1 to 255 bytes long.
	Username, Password string
	// AllowPublic permits listening on a non-loopback address, which is
	// still refused unless credentials are set.
	AllowPublic bool
	// Counter receives the buyer-side byte count: Up is bytes sent into
	// tunnels, Down is bytes received from them. Nil means not counted.
	Counter *meter.Counter
	// HandshakeTimeout bounds everything from accepting a connection (or
	// the start of an HTTP request) until the tunnel is ready. Zero means
	// DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
	// MaxConns bounds live client connections across all listeners;
	// beyond it new connections are refused. Zero means DefaultMaxConns.
	MaxConns int
}

// Gateway serves SOCKS5 and HTTP proxy listeners. It is safe for
// concurrent use.
type Gateway struct {
	cfg     Config
	dialer  Dialer
	log     *zap.Logger
	counter *meter.Counter

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.Mutex
	closed    bool
	listeners []net.Listener
	conns     map[net.Conn]struct{} // client connections, bounded by MaxConns
	tunnels   map[*tunnel]struct{}
}

// New returns a Gateway that reaches destinations through d. A nil log
// discards logs.
func New(cfg Config, d Dialer, log *zap.Logger) (*Gateway, error) {
	if d == nil {
		return nil, fmt.Errorf("%w: nil dialer", ErrConfig)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = zap.NewNop()
	}
	if cfg.HandshakeTimeout == 0 {
		cfg.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if cfg.MaxConns == 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	counter := cfg.Counter
	if counter == nil {
		// meter.Pipe needs a counter; this one is simply never read.
		counter = new(meter.Counter)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Gateway{
		cfg:     cfg,
		dialer:  d,
		log:     log.Named("gateway"),
		counter: counter,
		ctx:     ctx,
		cancel:  cancel,
		conns:   make(map[net.Conn]struct{}),
		tunnels: make(map[*tunnel]struct{}),
	}, nil
}

func (c Config) validate() error {
	if c.HandshakeTimeout < 0 || c.MaxConns < 0 {
		return fmt.Errorf("%w: negative timeout or connection limit", ErrConfig)
	}
	if c.Username == "" && c.Password == "" {
		return nil
	}
	if len(c.Username) < 1 || len(c.Username) > 255 || len(c.Password) < 1 || len(c.Password) > 255 {
		return fmt.Errorf("%w: username and password must both be 1 to 255 bytes", ErrConfig)
	}
	return nil
}

// authRequired reports whether clients must present credentials.
func (g *Gateway) authRequired() bool { return g.cfg.Username != "" }

// Close stops every listener, closes live connections and waits until
// every goroutine the gateway started has returned. It is idempotent.
func (g *Gateway) Close() error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		g.wg.Wait()
		return nil
	}
	g.closed = true
	g.cancel()
	var errs []error
	for _, l := range g.listeners {
		if err := l.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, fmt.Errorf("close listener: %w", err))
		}
	}
	for c := range g.conns {
		_ = c.Close()
	}
	for t := range g.tunnels {
		_ = t.Conn.Close() // t.Close would take g.mu again
	}
	g.mu.Unlock()
	g.wg.Wait()
	return errors.Join(errs...)
}
