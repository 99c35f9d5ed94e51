package wgexit

import (
	"fmt"
	"net/netip"

	"gvisor.dev/gvisor/pkg/tcpip"
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

const (
	nicID = 1
	// linkQueue bounds the packets waiting for wireguard-go to encrypt.
	linkQueue = 1024
	// maxTCPInFlight bounds the TCP handshakes waiting for their
	// destination dial, across all leases.
	maxTCPInFlight = 4096
)

// startStack builds the gVisor stack behind the tunnel. It accepts
// packets to any address (promiscuous) and answers from any address
// (spoofing), so that the forwarders can stand in for every destination.
func (e *Exit) startStack() error {
	// Loopback destinations must reach the forwarders, where the egress
	// policy refuses them unless an owner's rule allows them; gVisor would
	// otherwise drop them silently before any decision.
	s := stack.New(stack.Options{
		NetworkProtocols: []stack.NetworkProtocolFactory{
			ipv4.NewProtocolWithOptions(ipv4.Options{AllowExternalLoopbackTraffic: true}),
			ipv6.NewProtocolWithOptions(ipv6.Options{AllowExternalLoopbackTraffic: true}),
		},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol, udp.NewProtocol, icmp.NewProtocol4, icmp.NewProtocol6},
	})
	ep := channel.New(linkQueue, uint32(e.cfg.MTU), "")
	e.stack, e.tun = s, linktun.New(ep, e.cfg.MTU)
	if err := e.configureStack(s, ep); err != nil {
		e.stopStack()
		return err
	}
	tcpFwd := tcp.NewForwarder(s, 0, maxTCPInFlight, e.handleTCP)
	s.SetTransportProtocolHandler(tcp.ProtocolNumber, tcpFwd.HandlePacket)
	udpFwd := udp.NewForwarder(s, e.handleUDP)
	s.SetTransportProtocolHandler(udp.ProtocolNumber, e.udpGate(udpFwd))
	dns, err := e.startDNS()
	if err != nil {
		e.stopStack()
		return err
	}
	e.dns = dns
	return nil
}

// configureStack sets the NIC, its modes, the exit's own addresses and
// the default routes.
func (e *Exit) configureStack(s *stack.Stack, ep *channel.Endpoint) error {
	sack := tcpip.TCPSACKEnabled(true)
	if err := s.SetTransportProtocolOption(tcp.ProtocolNumber, &sack); err != nil {
		return fmt.Errorf("wgexit: enable TCP SACK: %s", err)
	}
	if err := s.CreateNIC(nicID, ep); err != nil {
		return fmt.Errorf("wgexit: create NIC: %s", err)
	}
	if err := s.SetPromiscuousMode(nicID, true); err != nil {
		return fmt.Errorf("wgexit: promiscuous mode: %s", err)
	}
	if err := s.SetSpoofing(nicID, true); err != nil {
		return fmt.Errorf("wgexit: spoofing: %s", err)
	}
	own := e.pool.own()
	for _, a := range []netip.Addr{own.IPv4, own.IPv6} {
		pa := tcpip.ProtocolAddress{Protocol: protocolOf(a), AddressWithPrefix: tcpip.AddrFromSlice(a.AsSlice()).WithPrefix()}
		if err := s.AddProtocolAddress(nicID, pa, stack.AddressProperties{}); err != nil {
			return fmt.Errorf("wgexit: add address %s: %s", a, err)
		}
	}
	s.SetRouteTable([]tcpip.Route{
		{Destination: header.IPv4EmptySubnet, NIC: nicID},
		{Destination: header.IPv6EmptySubnet, NIC: nicID},
	})
	return nil
}

// stopStack closes the link and the stack and waits for its goroutines.
func (e *Exit) stopStack() {
	if e.tun != nil {
		_ = e.tun.Close()
	}
	if e.stack != nil {
		e.stack.Close()
		e.stack.Wait()
	}
}

func protocolOf(a netip.Addr) tcpip.NetworkProtocolNumber {
	if a.Is4() {
		return ipv4.ProtocolNumber
	}
	return ipv6.ProtocolNumber
}

// addrPort converts a gVisor address and port.
func addrPort(a tcpip.Address, port uint16) netip.AddrPort {
	ip, _ := netip.AddrFromSlice(a.AsSlice())
	return netip.AddrPortFrom(ip.Unmap(), port)
}
