// Package gateway is the buyer's local proxy: it accepts SOCKS5 (RFC 1928,
// CONNECT and UDP ASSOCIATE) and HTTP proxy connections from stock clients
// on the buyer's machine and carries each one through an exit.
//
// The gateway never dials destinations itself and never resolves
// destination names locally: every target, name or address, is handed
// unresolved to a Dialer that reaches it through an exit (socks5h
// semantics). It applies the lease's mode: rotating leaves the choice of
// exit to the Dialer for every connection; sticky and strict keep each
// session on one exit through an ExitDialer, moving a sticky session when
// its exit dies and failing a strict one. Health checks, failover between
// exits and receipts belong to whatever implements the Dialer.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/metering/meter"
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
// through an exit; network is "tcp", or "udp" for the flows of SOCKS5 UDP
// ASSOCIATE. Errors that implement interface{ ProxyStatus() string } carry
// an RFC 9209 error type that the gateway reports to clients.
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
	// Mode is the lease's mode: api.ModeRotating (or empty), ModeSticky
	// or ModeStrict. Sticky and strict need a Dialer that is also an
	// ExitDialer.
	Mode string
	// Sessions bounds sticky and strict sessions; see SessionConfig.
	Sessions SessionConfig
}

// Gateway serves SOCKS5 and HTTP proxy listeners. It is safe for
// concurrent use.
type Gateway struct {
	cfg      Config
	dialer   Dialer
	exits    ExitDialer // set in sticky and strict modes
	sessions *sessions
	log      *zap.Logger
	counter  *meter.Counter

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
	exits, err := pinning(cfg.Mode, d)
	if err != nil {
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
		cfg:      cfg,
		dialer:   d,
		exits:    exits,
		sessions: newSessions(cfg.Sessions.withDefaults()),
		log:      log.Named("gateway"),
		counter:  counter,
		ctx:      ctx,
		cancel:   cancel,
		conns:    make(map[net.Conn]struct{}),
		tunnels:  make(map[*tunnel]struct{}),
	}, nil
}

// pinning returns d as an ExitDialer when mode needs one.
func pinning(mode string, d Dialer) (ExitDialer, error) {
	switch mode {
	case "", api.ModeRotating:
		return nil, nil
	case api.ModeSticky, api.ModeStrict:
		ed, ok := d.(ExitDialer)
		if !ok {
			return nil, fmt.Errorf("%w: mode %s needs a dialer that can pin exits", ErrConfig, mode)
		}
		return ed, nil
	}
	return nil, fmt.Errorf("%w: unknown mode %q", ErrConfig, mode)
}

func (c Config) validate() error {
	if c.HandshakeTimeout < 0 || c.MaxConns < 0 || c.Sessions.TTL < 0 || c.Sessions.Idle < 0 || c.Sessions.Max < 0 {
		return fmt.Errorf("%w: negative timeout or connection limit", ErrConfig)
	}
	if c.Username == "" && c.Password == "" {
		return nil
	}
	if len(c.Username) < 1 || len(c.Username) > 255 || len(c.Password) < 1 || len(c.Password) > 255 {
		return fmt.Errorf("%w: username and password must both be 1 to 255 bytes", ErrConfig)
	}
	if strings.Contains(c.Username, sessionSep) {
		return fmt.Errorf("%w: username must not contain %q, which starts a session key", ErrConfig, sessionSep)
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
