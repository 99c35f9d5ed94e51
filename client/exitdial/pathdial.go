package exitdial

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/quic-go/quic-go"
	"go.uber.org/zap"
)

// OpenPath opens a packet path to an exit that cannot be dialled at its
// address (one behind NAT): a punched hole or a flow through a relay. It
// returns the packet connection and the address that stands for the exit
// on it. The dialer owns what it returns and closes it once the QUIC
// connection over it ends.
type OpenPath func(ctx context.Context) (pc net.PacketConn, peer net.Addr, err error)

// errPathOpening is a health probe's answer while a path to the exit is
// still being opened: no verdict yet, so that an exit whose path takes
// longer to open than a probe may wait (ICE failing before the relay is
// tried) is not found dead, and cut from dials waiting for it, before it
// had a chance. An exit that was up is found dead when its connection
// ends, before any new opening.
var errPathOpening = errors.New("path to the exit is being opened")

// Opening a path is bounded by openTimeout even when the dial that
// started it gives up sooner; a failed opening is reported to dials for
// openRetry before the next one starts, so that an unreachable exit is
// not signalled again at every health probe.
var (
	openTimeout = 30 * time.Second
	openRetry   = time.Second
)

// pathDialer makes a dialer's QUIC connections over paths from an
// OpenPath, one path per connection: a connection that ends takes its
// path with it, and the next handshake opens a new one. Openings run in
// the background, so that a short probe deadline does not waste one
// that takes longer (signalling and ICE take seconds).
type pathDialer struct {
	exit   string
	open   OpenPath
	log    *zap.Logger
	ctx    context.Context // ends at close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	pending *opening // the last opening, until a handshake takes its path
	closed  bool
}

// opening is one call of the OpenPath.
type opening struct {
	done  chan struct{}
	pc    net.PacketConn
	peer  net.Addr
	err   error
	ended time.Time
}

func newPathDialer(exit string, open OpenPath, log *zap.Logger) *pathDialer {
	ctx, cancel := context.WithCancel(context.Background())
	return &pathDialer{exit: exit, open: open, log: log, ctx: ctx, cancel: cancel}
}

// dial is the dialer's dialQUIC.
func (v *pathDialer) dial(ctx context.Context, tlsConf *tls.Config, conf *quic.Config) (*quic.Conn, error) {
	pc, peer, err := v.path(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("exit %s: %w: open path: %w", v.exit, ErrExitUnavailable, err)
	}
	conf = conf.Clone()
	// The path may add a header to each packet (a relay's), so stay at
	// QUIC's safe initial size.
	conf.DisablePathMTUDiscovery = true
	tr := &quic.Transport{Conn: pc}
	release := func() { _ = tr.Close(); _ = pc.Close() }
	conn, err := tr.Dial(ctx, peer, tlsConf, conf)
	if err != nil {
		release()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("exit %s: %w: %w", v.exit, ErrExitUnavailable, err)
	}
	context.AfterFunc(conn.Context(), release)
	v.log.Debug("connected over an opened path")
	return conn, nil
}

// path waits for a path: the one an earlier opening left, or a new one.
func (v *pathDialer) path(ctx context.Context) (net.PacketConn, net.Addr, error) {
	for {
		o, err := v.current()
		if err != nil {
			return nil, nil, err
		}
		select {
		case <-o.done:
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
		if v.take(o) {
			return o.pc, o.peer, nil
		}
		if o.err != nil {
			return nil, nil, o.err
		}
		// Another handshake took the path; open the next one.
	}
}

// current returns the opening to wait for, starting one when there is
// none or the last one failed more than openRetry ago.
func (v *pathDialer) current() (*opening, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return nil, ErrClosed
	}
	if o := v.pending; o != nil && !v.stale(o) {
		return o, nil
	}
	o := &opening{done: make(chan struct{})}
	v.pending = o
	v.wg.Add(1)
	go v.run(o)
	return o, nil
}

// prepare starts an opening if there is none and reports whether a
// handshake would find its outcome ready rather than wait for it.
func (v *pathDialer) prepare() bool {
	o, err := v.current()
	if err != nil {
		return true // closed: the handshake says so
	}
	select {
	case <-o.done:
		return true
	default:
		return false
	}
}

// pathReady reports whether a probe's handshake through d would not
// wait for a path: no handshake is under way (it may be waiting for one)
// and the last opening has ended. Otherwise it starts an opening if
// there is none.
func (d *Dialer) pathReady() bool {
	select {
	case d.sem <- struct{}{}:
		defer func() { <-d.sem }()
	default:
		return false // a handshake is under way
	}
	if conn, _, err := d.current(); conn != nil || err != nil {
		return true
	}
	return d.via.prepare()
}

// stale reports whether o failed long enough ago to try again.
func (v *pathDialer) stale(o *opening) bool {
	select {
	case <-o.done:
		return o.err != nil && time.Since(o.ended) >= openRetry
	default:
		return false
	}
}

// take claims o's path for one handshake.
func (v *pathDialer) take(o *opening) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.pending != o || o.err != nil {
		return false
	}
	v.pending = nil
	return true
}

func (v *pathDialer) run(o *opening) {
	defer v.wg.Done()
	ctx, cancel := context.WithTimeout(v.ctx, openTimeout)
	defer cancel()
	pc, peer, err := v.open(ctx)
	if err == nil && (pc == nil || peer == nil) {
		err = errors.New("path opener returned no path")
	}
	if err != nil && pc != nil {
		_ = pc.Close()
	}
	if err != nil {
		v.log.Info("cannot open a path to the exit", zap.Error(err))
	}
	v.mu.Lock()
	o.pc, o.peer, o.err, o.ended = pc, peer, err, time.Now()
	v.mu.Unlock()
	close(o.done)
}

// close stops any opening and closes a path no handshake took.
func (v *pathDialer) close() {
	v.mu.Lock()
	v.closed = true
	v.mu.Unlock()
	v.cancel()
	v.wg.Wait()
	v.mu.Lock()
	o := v.pending
	v.pending = nil
	v.mu.Unlock()
	if o != nil && o.pc != nil {
		_ = o.pc.Close()
	}
}
