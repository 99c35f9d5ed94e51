package forward

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"
)

// SessionAddr is how a NodeConn names a buyer: the relay's session ID.
type SessionAddr uint32

// Network is "forward".
func (SessionAddr) Network() string { return "forward" }

func (a SessionAddr) String() string { return fmt.Sprintf("session-%08x", uint32(a)) }

// RelayAddr is the one peer of a BuyerConn: the exit behind the relay.
type RelayAddr string

// Network is "forward".
func (RelayAddr) Network() string { return "forward" }

func (a RelayAddr) String() string { return string(a) }

// bufs holds packet buffers for writes, which may run concurrently.
var bufs = sync.Pool{New: func() any { b := make([]byte, 0, MaxPacket+maxNodeIDLen+8); return &b }}

// udp is the socket part shared by both ends: one UDP socket that talks
// to one relay.
type udp struct {
	conn  *net.UDPConn
	relay netip.AddrPort
}

func dialUDP(relay string) (udp, error) {
	ap, err := resolve(relay)
	if err != nil {
		return udp{}, err
	}
	conn, err := net.ListenUDP("udp", nil)
	if err != nil {
		return udp{}, fmt.Errorf("forward: socket: %w", err)
	}
	return udp{conn: conn, relay: ap}, nil
}

// resolve reads "ip:port", or looks up "host:port".
func resolve(addr string) (netip.AddrPort, error) {
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		return ap, nil
	}
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("forward: relay %q: %w", addr, err)
	}
	return ua.AddrPort(), nil
}

// readRelay reads the next packet from the relay into p, skipping
// packets from anyone else.
func (u udp) readRelay(p []byte) (int, error) {
	for {
		n, from, err := u.conn.ReadFromUDPAddrPort(p)
		if err != nil {
			return 0, err
		}
		if from.Addr().Unmap() == u.relay.Addr().Unmap() && from.Port() == u.relay.Port() {
			return n, nil
		}
	}
}

// send writes a packet built by build into a pooled buffer.
func (u udp) send(build func([]byte) []byte) error {
	bp := bufs.Get().(*[]byte)
	defer bufs.Put(bp)
	*bp = build((*bp)[:0])
	if len(*bp) > MaxPacket+maxNodeIDLen {
		return fmt.Errorf("forward: packet of %d bytes is too large", len(*bp))
	}
	_, err := u.conn.WriteToUDPAddrPort(*bp, u.relay)
	return err
}

// SetReadBuffer, SetWriteBuffer and SyscallConn let QUIC size the
// socket's buffers as on a plain UDP socket.
func (u udp) SetReadBuffer(n int) error             { return u.conn.SetReadBuffer(n) }
func (u udp) SetWriteBuffer(n int) error            { return u.conn.SetWriteBuffer(n) }
func (u udp) SyscallConn() (syscall.RawConn, error) { return u.conn.SyscallConn() }
func (u udp) SetDeadline(t time.Time) error         { return u.conn.SetDeadline(t) }
func (u udp) SetReadDeadline(t time.Time) error     { return u.conn.SetReadDeadline(t) }
func (u udp) SetWriteDeadline(t time.Time) error    { return u.conn.SetWriteDeadline(t) }

// BuyerConn is the buyer's end of a relayed path: a packet socket whose
// one peer is the exit behind the relay.
type BuyerConn struct {
	udp
	nodeID string
}

var _ net.PacketConn = (*BuyerConn)(nil)

// DialBuyer opens a socket that reaches nodeID through the relay at
// relay ("ip:port" or "host:port").
func DialBuyer(relay, nodeID string) (*BuyerConn, error) {
	if nodeID == "" || len(nodeID) > maxNodeIDLen {
		return nil, fmt.Errorf("forward: node ID %q", nodeID)
	}
	u, err := dialUDP(relay)
	if err != nil {
		return nil, err
	}
	return &BuyerConn{udp: u, nodeID: nodeID}, nil
}

// ReadFrom reads the exit's next packet.
func (c *BuyerConn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, err := c.readRelay(p)
	return n, RelayAddr(c.nodeID), err
}

// WriteTo sends p to the exit, whatever addr says.
func (c *BuyerConn) WriteTo(p []byte, _ net.Addr) (int, error) {
	if err := c.send(func(b []byte) []byte { return appendToNode(b, c.nodeID, p) }); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close closes the socket.
func (c *BuyerConn) Close() error { return c.conn.Close() }

// LocalAddr is the socket's address.
func (c *BuyerConn) LocalAddr() net.Addr { return c.conn.LocalAddr() }
