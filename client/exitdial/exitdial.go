// Package exitdial is the buyer's side of the QUIC exits: it opens TCP
// connections to destinations through an exit's HTTP/3 CONNECT tunnels
// (RFC 9114 §4.4), and UDP flows through CONNECT-UDP (RFC 9298), pinning
// each exit to the node key the broker listed.
//
// A Dialer talks to one exit over one lazily dialled QUIC connection; a
// Pool rotates over several exits and skips those that fail. Neither buys
// leases nor counts bytes: the caller hands them exits with ready tokens.
package exitdial

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"go.uber.org/zap"

	"github.com/sparelink/sparelink/internal/identity"
)

// Errors callers branch on.
var (
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("exit dialer closed")
	// ErrExitUnavailable wraps transport failures: the QUIC handshake
	// failed (including a pin mismatch) or the connection to the exit
	// broke before the exit answered. It never wraps a *ProxyError.
	ErrExitUnavailable = errors.New("exit unavailable")
	// ErrBadAddress means the network or address given to DialContext is
	// not one an exit can carry.
	ErrBadAddress = errors.New("exit dial: bad network or address")
)

// keepAlive keeps idle tunnels alive across the exit's idle timeout and
// NAT bindings.
const keepAlive = 15 * time.Second

// handshakeTimeout bounds a QUIC handshake with an exit, so that a dead
// exit costs a Pool seconds, not the caller's whole deadline. Tests
// shorten it.
var handshakeTimeout = 3 * time.Second

// Exit is how to reach one exit.
type Exit struct {
	// NodeID is the exit's node ID, used in errors, logs and Pool.Used.
	NodeID string
	// Addr is the exit's UDP host:port.
	Addr string
	// PublicKey is the node key the exit must present.
	PublicKey ed25519.PublicKey
	// Token is the lease token sent as a bearer credential.
	Token string
	// Receipts, when set, makes the dialer count, check and countersign
	// the exit's receipts for a lease with a buyer key; see receipt.go.
	Receipts *Receipts
	// Path, when set, reaches the exit over the paths it opens instead
	// of at Addr (an exit behind NAT; see pathdial.go).
	Path OpenPath
}

// Dialer opens tunnels through one exit. It keeps one QUIC connection,
// dialled on first use and again after it dies. It is safe for concurrent
// use.
type Dialer struct {
	exit Exit
	log  *zap.Logger
	tls  *tls.Config
	h3   *http3.Transport
	sem  chan struct{} // one handshake at a time

	mu      sync.Mutex
	tok     string // the current lease token; SetToken replaces it
	conn    *quic.Conn
	cc      *http3.ClientConn
	retired []*quic.Conn // replaced but possibly still carrying tunnels
	closed  bool

	buyer buyerSide // the buyer's count and receipts; see receipt.go

	// dialQUIC and over, set by NewOver, dial over a caller's packet
	// connection instead of a socket of the dialer's own.
	dialQUIC func(ctx context.Context, tls *tls.Config, conf *quic.Config) (*quic.Conn, error)
	over     *quic.Transport
	via      *pathDialer // set when the exit has a Path
}

// New returns a dialer for exit. It does not contact the exit. A nil log
// discards logs.
func New(exit Exit, log *zap.Logger) *Dialer {
	if log == nil {
		log = zap.NewNop()
	}
	d := &Dialer{
		exit: exit,
		tok:  exit.Token,
		log:  log.Named("exitdial").With(zap.String("exit", exit.NodeID)),
		tls:  identity.PinnedTLSConfig(exit.PublicKey),
		h3:   &http3.Transport{DisableCompression: true, EnableDatagrams: true},
		sem:  make(chan struct{}, 1),
	}
	if exit.Path != nil {
		d.via = newPathDialer(exit.NodeID, exit.Path, d.log)
		d.dialQUIC = d.via.dial
	}
	return d
}

// SetToken replaces the lease token sent with new tunnels, for when the
// broker has issued a fresh one. Open tunnels are not affected.
func (d *Dialer) SetToken(token string) {
	d.mu.Lock()
	d.tok = token
	d.mu.Unlock()
}

func (d *Dialer) currentToken() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.tok
}

// Close closes the QUIC connections, which ends every tunnel on them. It
// is idempotent.
func (d *Dialer) Close() error {
	d.mu.Lock()
	d.closed = true
	conns := d.retired
	if d.conn != nil {
		conns = append(conns, d.conn)
	}
	d.conn, d.cc, d.retired = nil, nil, nil
	d.mu.Unlock()
	var errs []error
	for _, c := range conns {
		errs = append(errs, c.CloseWithError(0, ""))
	}
	d.buyer.wg.Wait() // receipt streams end with their connections
	if d.via != nil {
		d.via.close()
	}
	return errors.Join(errs...)
}

// current returns the live connection, if any.
func (d *Dialer) current() (*quic.Conn, *http3.ClientConn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, nil, ErrClosed
	}
	if d.conn != nil && d.conn.Context().Err() == nil {
		return d.conn, d.cc, nil
	}
	return nil, nil, nil
}

// clientConn returns the live connection or dials a new one. Concurrent
// callers share one handshake.
func (d *Dialer) clientConn(ctx context.Context) (*quic.Conn, *http3.ClientConn, error) {
	if conn, cc, err := d.current(); conn != nil || err != nil {
		return conn, cc, err
	}
	select {
	case d.sem <- struct{}{}:
		defer func() { <-d.sem }()
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	if conn, cc, err := d.current(); conn != nil || err != nil {
		return conn, cc, err
	}
	conn, err := d.handshake(ctx)
	if err != nil {
		return nil, nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		_ = conn.CloseWithError(0, "")
		return nil, nil, ErrClosed
	}
	d.conn, d.cc = conn, d.h3.NewClientConn(conn)
	return d.conn, d.cc, nil
}

// handshake dials the exit and checks its key.
func (d *Dialer) handshake(ctx context.Context) (*quic.Conn, error) {
	if d.dialQUIC != nil {
		conf := &quic.Config{KeepAlivePeriod: keepAlive, HandshakeIdleTimeout: handshakeTimeout, EnableDatagrams: true}
		return d.dialQUIC(ctx, d.tls, conf)
	}
	host, port, err := net.SplitHostPort(d.exit.Addr)
	if err != nil {
		return nil, fmt.Errorf("exit %s: %w: address: %w", d.exit.NodeID, ErrExitUnavailable, err)
	}
	// Resolve first: quic.DialAddr resolves after opening its socket.
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err == nil && len(ips) == 0 {
		err = errors.New("no addresses")
	}
	if err != nil {
		return nil, fmt.Errorf("exit %s: %w: resolve: %w", d.exit.NodeID, ErrExitUnavailable, err)
	}
	addr := net.JoinHostPort(ips[0].Unmap().String(), port)
	conf := &quic.Config{KeepAlivePeriod: keepAlive, HandshakeIdleTimeout: handshakeTimeout, EnableDatagrams: true}
	conn, err := quic.DialAddr(ctx, addr, d.tls, conf)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("exit %s: %w: %w", d.exit.NodeID, ErrExitUnavailable, err)
	}
	d.log.Debug("connected")
	return conn, nil
}

// forget stops using conn for new tunnels, so the next dial makes a new
// connection. conn is not closed: after a GOAWAY or a failed request it
// may still carry tunnels; Close closes it.
func (d *Dialer) forget(conn *quic.Conn) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn == conn {
		d.conn, d.cc = nil, nil
	}
	d.retired = slices.DeleteFunc(d.retired, func(c *quic.Conn) bool { return c.Context().Err() != nil })
	if conn.Context().Err() == nil && !slices.Contains(d.retired, conn) {
		d.retired = append(d.retired, conn)
	}
}
