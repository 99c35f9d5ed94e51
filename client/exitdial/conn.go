package exitdial

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"

	"github.com/sparelink/sparelink/metering/meter"
)

// noError ends a tunnel's receive side after a local Close.
const noError = quic.StreamErrorCode(http3.ErrCodeNoError)

// Conn is a TCP connection carried by an exit tunnel. Close closes both
// directions; CloseWrite only the send direction, like *net.TCPConn. Its
// methods may be called concurrently.
type Conn struct {
	str    *http3.RequestStream
	rd     *asyncReader
	local  net.Addr
	remote net.Addr
	nodeID string
	count  *meter.Counter // the dialer's count of the lease's payload

	// The HTTP/3 stream keeps DATA frame state per direction, so each
	// direction admits one caller at a time, as net.Conn promises.
	rmu, wmu sync.Mutex

	closed    atomic.Bool
	closeOnce sync.Once
}

var _ net.Conn = (*Conn)(nil)

func newConn(str *http3.RequestStream, local net.Addr, target, nodeID string) *Conn {
	return &Conn{str: str, rd: newAsyncReader(str), local: local, remote: targetAddr(target), nodeID: nodeID}
}

// Read reads bytes the destination sent.
func (c *Conn) Read(p []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.closed.Load() {
		return 0, net.ErrClosed
	}
	n, err := c.rd.read(p)
	c.count.AddDown(int64(n))
	return n, err
}

// Write sends bytes to the destination.
func (c *Conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closed.Load() {
		return 0, net.ErrClosed
	}
	return c.writeCounted(p) // see receipt.go
}

// Close ends the tunnel in both directions.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		c.closed.Store(true)
		c.rd.close()
		c.str.CancelRead(noError)
		_ = c.str.Close()
	})
	return nil
}

// CloseWrite tells the destination that nothing more will be sent, while
// its answer can still be read.
func (c *Conn) CloseWrite() error { return c.str.Close() }

// LocalAddr is the local address of the QUIC connection to the exit.
func (c *Conn) LocalAddr() net.Addr { return c.local }

// RemoteAddr is the destination as it was given to DialContext; the
// address the exit resolved it to is not known to the buyer.
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// ExitNodeID names the exit carrying the connection.
func (c *Conn) ExitNodeID() string { return c.nodeID }

// SetDeadline sets the read and write deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	c.rd.setDeadline(t)
	return c.str.SetWriteDeadline(t)
}

// SetReadDeadline sets the read deadline. It never reaches the stream
// itself (see asyncReader).
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.rd.setDeadline(t)
	return nil
}

// SetWriteDeadline sets the write deadline.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.str.SetWriteDeadline(t) }

// targetAddr is a destination as host:port, which may be a name.
type targetAddr string

func (a targetAddr) Network() string { return "tcp" }
func (a targetAddr) String() string  { return string(a) }
