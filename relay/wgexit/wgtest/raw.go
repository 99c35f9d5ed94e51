package wgtest

import (
	"errors"
	"fmt"

	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
)

// WritePacket sends one IP packet, built by the caller, into the tunnel
// as it is: a buyer controls every byte of what it sends, and tests use
// this for packets the client's own stack would not send (a TCP SYN to
// a multicast address, a datagram to the broadcast address).
func (n *Net) WritePacket(pkt []byte) error {
	if len(pkt) == 0 {
		return errors.New("wgtest: write packet: empty")
	}
	proto := ipv4.ProtocolNumber
	if pkt[0]>>4 == 6 {
		proto = ipv6.ProtocolNumber
	}
	if err := n.s.WriteRawPacket(1, proto, buffer.MakeWithData(pkt)); err != nil {
		return fmt.Errorf("wgtest: write packet: %s", err)
	}
	return nil
}
