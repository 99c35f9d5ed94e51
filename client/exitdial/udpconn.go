package exitdial

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"github.com/quic-go/quic-go/quicvarint"

	"github.com/sparelink/sparelink/metering/meter"
)

// MaxUDPPayload is the largest datagram a UDPConn sends. Exits drop
// larger ones, and the path to the exit may allow less: Write then
// returns ErrDatagramTooLarge.
const MaxUDPPayload = 1500

var (
	// ErrDatagramTooLarge is returned by Write for a datagram that does
	// not fit MaxUDPPayload or a QUIC datagram on the path to the exit.
	ErrDatagramTooLarge = errors.New("datagram too large for the exit")
	// ErrFlowEnded is returned by Read and Write once the exit has ended
	// the flow: its idle timeout, the lease's byte cap, or shutdown.
	ErrFlowEnded = errors.New("udp flow ended by the exit")
)

// UDPConn is a UDP flow carried by an exit, used like the connected
// *net.UDPConn of net.Dial("udp", target): each Write sends one datagram
// to the target and each Read returns one datagram from it, truncated to
// the buffer if longer. As with UDP, delivery is not guaranteed; an exit
// drops datagrams it cannot send at once. Its methods may be called
// concurrently.
type UDPConn struct {
	str    *http3.RequestStream
	local  net.Addr
	remote net.Addr
	nodeID string
	count  *meter.Counter // the dialer's count of the lease's payload

	ctx     context.Context // ends with Close
	cancel  context.CancelFunc
	drained chan struct{} // closed once the stream's receive side ended

	mu            sync.Mutex
	readCtx       context.Context // ends at the read deadline, or with ctx
	readCancel    context.CancelFunc
	readDeadline  time.Time
	writeDeadline time.Time

	closeOnce sync.Once
}

var _ net.Conn = (*UDPConn)(nil)

// bufPool holds datagram buffers for Write: the context ID and a payload.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1+MaxUDPPayload); return &b }}

func newUDPConn(str *http3.RequestStream, local net.Addr, target, nodeID string) *UDPConn {
	c := &UDPConn{str: str, local: local, remote: udpAddr(target), nodeID: nodeID, drained: make(chan struct{})}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.readCtx, c.readCancel = context.WithCancel(c.ctx)
	go c.drain()
	return c
}

// drain reads the stream until it ends, skipping capsules, so that the
// end of the flow reaches Read: the stream's end also ends its datagrams.
func (c *UDPConn) drain() {
	defer close(c.drained)
	p := http3.NewCapsuleParser(c.str)
	for {
		_, r, err := p.Next()
		if err != nil {
			return
		}
		if err := r.Discard(); err != nil {
			return
		}
	}
}

// Read reads one datagram from the target into p.
func (c *UDPConn) Read(p []byte) (int, error) {
	for {
		ctx, deadline := c.readContext()
		d, err := c.str.ReceiveDatagram(ctx)
		switch {
		case err == nil:
			if payload, ok := udpPayload(d); ok {
				c.count.AddDown(int64(len(payload)))
				return copy(p, payload), nil
			}
			continue // another context: not for this socket
		case c.ctx.Err() != nil:
			return 0, net.ErrClosed
		case ctx.Err() == nil:
			return 0, fmt.Errorf("%w: %w", ErrFlowEnded, err)
		case !deadline.IsZero() && !time.Now().Before(deadline):
			return 0, os.ErrDeadlineExceeded
		}
		// SetReadDeadline replaced the context while Read waited.
	}
}

// Write sends p to the target as one datagram.
func (c *UDPConn) Write(p []byte) (int, error) {
	if c.ctx.Err() != nil {
		return 0, net.ErrClosed
	}
	if len(p) > MaxUDPPayload {
		return 0, fmt.Errorf("%w: %d bytes", ErrDatagramTooLarge, len(p))
	}
	if dl := c.deadlines(); !dl.IsZero() && !time.Now().Before(dl) {
		return 0, os.ErrDeadlineExceeded
	}
	bp := bufPool.Get().(*[]byte)
	b := append(append((*bp)[:0], 0), p...) // context ID 0: a UDP payload
	err := c.str.SendDatagram(b)
	*bp = b
	bufPool.Put(bp)
	switch {
	case err == nil:
		c.count.AddUp(int64(len(p)))
		return len(p), nil
	case errors.Is(err, &quic.DatagramTooLargeError{}):
		return 0, fmt.Errorf("%w: %w", ErrDatagramTooLarge, err)
	case c.ctx.Err() != nil:
		return 0, net.ErrClosed
	}
	return 0, fmt.Errorf("%w: %w", ErrFlowEnded, err)
}

// Close ends the flow and waits for its reader to stop. It is idempotent.
func (c *UDPConn) Close() error {
	c.closeOnce.Do(func() {
		c.cancel()
		c.str.CancelRead(noError)
		_ = c.str.Close()
		<-c.drained
	})
	return nil
}

// LocalAddr is the local address of the QUIC connection to the exit.
func (c *UDPConn) LocalAddr() net.Addr { return c.local }

// RemoteAddr is the target as it was given to DialUDP.
func (c *UDPConn) RemoteAddr() net.Addr { return c.remote }

// ExitNodeID names the exit carrying the flow.
func (c *UDPConn) ExitNodeID() string { return c.nodeID }

// SetDeadline sets the read and write deadlines.
func (c *UDPConn) SetDeadline(t time.Time) error {
	_ = c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}

// SetReadDeadline sets the read deadline; it also applies to a Read
// already waiting.
func (c *UDPConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.readCancel() // wakes a waiting Read, which takes the new context
	if t.IsZero() {
		c.readCtx, c.readCancel = context.WithCancel(c.ctx)
	} else {
		c.readCtx, c.readCancel = context.WithDeadline(c.ctx, t)
	}
	c.readDeadline = t
	return nil
}

// SetWriteDeadline sets the write deadline. A Write waits only while the
// QUIC connection's datagram queue is full, and the deadline does not cut
// that wait short.
func (c *UDPConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.writeDeadline = t
	c.mu.Unlock()
	return nil
}

func (c *UDPConn) readContext() (context.Context, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.readCtx, c.readDeadline
}

func (c *UDPConn) deadlines() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writeDeadline
}

// udpPayload returns the payload of an HTTP Datagram with context ID 0,
// the only context that carries UDP payloads (RFC 9298 §4).
func udpPayload(d []byte) ([]byte, bool) {
	id, n, err := quicvarint.Parse(d)
	if err != nil || id != 0 {
		return nil, false
	}
	return d[n:], true
}

// udpAddr is a UDP target as host:port, which may be a name.
type udpAddr string

func (a udpAddr) Network() string { return "udp" }
func (a udpAddr) String() string  { return string(a) }
