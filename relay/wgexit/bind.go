package wgexit

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"

	"golang.zx2c4.com/wireguard/conn"
)

// newBind returns the socket layer for listenAddr: wireguard-go's own
// batched bind when the host is empty or unspecified, which listens on
// both families, or a bind to that one address otherwise.
func newBind(listenAddr string) (conn.Bind, uint16, error) {
	host, portStr, err := net.SplitHostPort(listenAddr)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: ListenAddr %q: %w", ErrInvalidConfig, listenAddr, err)
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: ListenAddr %q: bad port", ErrInvalidConfig, listenAddr)
	}
	if host == "" {
		return conn.NewDefaultBind(), uint16(port), nil
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: ListenAddr %q: host must be an IP address: %w", ErrInvalidConfig, listenAddr, err)
	}
	if addr.IsUnspecified() {
		return conn.NewDefaultBind(), uint16(port), nil
	}
	return NewAddrBind(addr), uint16(port), nil
}

// NewAddrBind returns a conn.Bind that listens on the one local address
// addr, moving one datagram per call. wireguard-go's own bind always
// listens on every address; the exit uses this one when ListenAddr names
// an address, and so can WireGuard clients in tests that must stay on
// loopback.
func NewAddrBind(addr netip.Addr) conn.Bind { return &addrBind{addr: addr} }

// addrBind is the conn.Bind of NewAddrBind.
type addrBind struct {
	addr netip.Addr
	mu   sync.Mutex
	conn *net.UDPConn
}

var _ conn.Bind = (*addrBind)(nil)

// Open listens on the bind's address and port (0 picks one).
func (b *addrBind) Open(port uint16) ([]conn.ReceiveFunc, uint16, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.conn != nil {
		return nil, 0, conn.ErrBindAlreadyOpen
	}
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(b.addr, port)))
	if err != nil {
		return nil, 0, fmt.Errorf("listen udp %s: %w", b.addr, err)
	}
	b.conn = c
	actual := c.LocalAddr().(*net.UDPAddr).AddrPort().Port()
	return []conn.ReceiveFunc{receiveFrom(c)}, actual, nil
}

// receiveFrom reads one datagram per call from c.
func receiveFrom(c *net.UDPConn) conn.ReceiveFunc {
	return func(packets [][]byte, sizes []int, eps []conn.Endpoint) (int, error) {
		n, ap, err := c.ReadFromUDPAddrPort(packets[0])
		if err != nil {
			return 0, err
		}
		sizes[0], eps[0] = n, endpoint(netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()))
		return 1, nil
	}
}

// Close stops listening; the receive function then returns net.ErrClosed.
func (b *addrBind) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.conn == nil {
		return nil
	}
	err := b.conn.Close()
	b.conn = nil
	return err
}

// SetMark does nothing: the bind's socket is not routed by mark.
func (b *addrBind) SetMark(uint32) error { return nil }

// Send writes each packet to ep.
func (b *addrBind) Send(bufs [][]byte, ep conn.Endpoint) error {
	dst, ok := ep.(endpoint)
	if !ok {
		return conn.ErrWrongEndpointType
	}
	b.mu.Lock()
	c := b.conn
	b.mu.Unlock()
	if c == nil {
		return net.ErrClosed
	}
	for _, buf := range bufs {
		if _, err := c.WriteToUDPAddrPort(buf, netip.AddrPort(dst)); err != nil {
			return err
		}
	}
	return nil
}

// ParseEndpoint reads "ip:port".
func (b *addrBind) ParseEndpoint(s string) (conn.Endpoint, error) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return nil, err
	}
	return endpoint(ap), nil
}

// BatchSize is 1: the bind reads and writes one datagram at a time.
func (b *addrBind) BatchSize() int { return 1 }

// endpoint is a peer's UDP address as addrBind knows it.
type endpoint netip.AddrPort

var _ conn.Endpoint = endpoint{}

func (endpoint) ClearSrc()             {}
func (endpoint) SrcToString() string   { return "" }
func (endpoint) SrcIP() netip.Addr     { return netip.Addr{} }
func (e endpoint) DstIP() netip.Addr   { return netip.AddrPort(e).Addr() }
func (e endpoint) DstToString() string { return netip.AddrPort(e).String() }

// DstToBytes is the address in the form the cookie MACs cover.
func (e endpoint) DstToBytes() []byte {
	b, _ := netip.AddrPort(e).MarshalBinary()
	return b
}
