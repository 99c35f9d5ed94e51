package wgtest

import (
	"context"
	"fmt"
	"net"
	"net/netip"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/link/channel"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/icmp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"

	"github.com/sparelink/sparelink/relay/wgexit/linktun"
)

// Net is a buyer's userspace network: a gVisor stack holding the tunnel
// addresses and routing everything into the tunnel. It is what
// wireguard-go's tun/netstack builds, except that it accepts packets from
// loopback addresses: tun/netstack drops those as martians, and the test
// destinations live on 127.0.0.1 of the exit's machine.
type Net struct {
	s *stack.Stack
}

// newNet builds the stack and the tun.Device wireguard-go drives.
func newNet(addrs []netip.Addr, mtu int) (*linktun.Device, *Net, error) {
	s := stack.New(stack.Options{
		NetworkProtocols: []stack.NetworkProtocolFactory{
			ipv4.NewProtocolWithOptions(ipv4.Options{AllowExternalLoopbackTraffic: true}),
			ipv6.NewProtocolWithOptions(ipv6.Options{AllowExternalLoopbackTraffic: true}),
		},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol, udp.NewProtocol, icmp.NewProtocol4, icmp.NewProtocol6},
	})
	ep := channel.New(1024, uint32(mtu), "")
	dev := linktun.New(ep, mtu)
	if err := s.CreateNIC(1, ep); err != nil {
		s.Close()
		return nil, nil, fmt.Errorf("create NIC: %s", err)
	}
	for _, a := range addrs {
		pa := tcpip.ProtocolAddress{Protocol: protocolOf(a), AddressWithPrefix: tcpip.AddrFromSlice(a.AsSlice()).WithPrefix()}
		if err := s.AddProtocolAddress(1, pa, stack.AddressProperties{}); err != nil {
			s.Close()
			return nil, nil, fmt.Errorf("add address %s: %s", a, err)
		}
	}
	s.SetRouteTable([]tcpip.Route{
		{Destination: header.IPv4EmptySubnet, NIC: 1},
		{Destination: header.IPv6EmptySubnet, NIC: 1},
	})
	return dev, &Net{s: s}, nil
}

func protocolOf(a netip.Addr) tcpip.NetworkProtocolNumber {
	if a.Is4() {
		return ipv4.ProtocolNumber
	}
	return ipv6.ProtocolNumber
}

func fullAddr(ap netip.AddrPort) tcpip.FullAddress {
	return tcpip.FullAddress{NIC: 1, Addr: tcpip.AddrFromSlice(ap.Addr().AsSlice()), Port: ap.Port()}
}

// DialContext opens a TCP connection ("tcp", "tcp4", "tcp6") to a
// literal "ip:port" through the tunnel.
func (n *Net) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return nil, fmt.Errorf("wgtest: dial %s %q: only literal addresses: %w", network, address, err)
	}
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	switch network {
	case "tcp", "tcp4", "tcp6":
		return gonet.DialContextTCP(ctx, n.s, fullAddr(ap), protocolOf(ap.Addr()))
	case "udp", "udp4", "udp6":
		return n.DialUDP(ap)
	}
	return nil, fmt.Errorf("wgtest: dial: %w", net.UnknownNetworkError(network))
}

// DialUDP opens a connected UDP socket to ap through the tunnel.
func (n *Net) DialUDP(ap netip.AddrPort) (*gonet.UDPConn, error) {
	fa := fullAddr(ap)
	return gonet.DialUDP(n.s, nil, &fa, protocolOf(ap.Addr()))
}

// close stops the stack; the device is closed by wireguard-go.
func (n *Net) close() {
	n.s.Close()
	n.s.Wait()
}
