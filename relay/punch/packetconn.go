package punch

import (
	"net"
	"time"

	"github.com/pion/ice/v4"
)

// Addr is the address a PacketConn gives its one peer. QUIC keys nothing
// on it; it only has to stay the same while ICE moves the path between
// candidate pairs.
type Addr string

// Network is "ice".
func (Addr) Network() string { return "ice" }

func (a Addr) String() string { return string(a) }

// The two ends of every punched path.
const (
	PeerAddr  Addr = "ice-peer"
	LocalAddr Addr = "ice-local"
)

// PacketConn is a punched path seen as a packet socket with one peer:
// ReadFrom always reports PeerAddr, and WriteTo sends to the peer
// whatever address it is given. Each read returns one datagram. Closing
// it ends the ICE session.
type PacketConn struct {
	conn *ice.Conn
	sess *Session
}

var _ net.PacketConn = (*PacketConn)(nil)

// ReadFrom reads the peer's next datagram; ICE's own STUN traffic never
// reaches it.
func (c *PacketConn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, err := c.conn.Read(p)
	return n, PeerAddr, err
}

// WriteTo sends p to the peer over the selected candidate pair.
func (c *PacketConn) WriteTo(p []byte, _ net.Addr) (int, error) {
	return c.conn.Write(p)
}

// Done is closed when the path has ended, as Session.Done.
func (c *PacketConn) Done() <-chan struct{} { return c.sess.Done() }

// Close ends the session. It is idempotent.
func (c *PacketConn) Close() error { return c.sess.Close() }

// LocalAddr is the selected pair's local address, or LocalAddr before
// there is one.
func (c *PacketConn) LocalAddr() net.Addr {
	if a := c.conn.LocalAddr(); a != nil {
		return a
	}
	return LocalAddr
}

// SetDeadline sets the read and write deadlines.
func (c *PacketConn) SetDeadline(t time.Time) error { return c.conn.SetDeadline(t) }

// SetReadDeadline sets the read deadline.
func (c *PacketConn) SetReadDeadline(t time.Time) error { return c.conn.SetReadDeadline(t) }

// SetWriteDeadline sets the write deadline.
func (c *PacketConn) SetWriteDeadline(t time.Time) error { return c.conn.SetWriteDeadline(t) }

// Pair names the selected candidate pair, as Session.Pair.
func (c *PacketConn) Pair() string { return c.sess.Pair() }

// Sent and Received count the bytes of datagrams carried so far.
func (c *PacketConn) Sent() uint64 { return c.conn.BytesSent() }

// Received counts the bytes of datagrams read so far.
func (c *PacketConn) Received() uint64 { return c.conn.BytesReceived() }

// SetReadBuffer and SetWriteBuffer accept QUIC's request for larger
// buffers without acting on it: the sockets belong to the ICE agent,
// which gathers on several and does not expose them. Without these QUIC
// would warn, on every path, about what it cannot change anyway.
func (c *PacketConn) SetReadBuffer(int) error { return nil }

// SetWriteBuffer: see SetReadBuffer.
func (c *PacketConn) SetWriteBuffer(int) error { return nil }
