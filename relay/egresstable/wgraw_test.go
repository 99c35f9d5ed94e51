package egresstable

import (
	"fmt"
	"net/netip"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/checksum"
	"gvisor.dev/gvisor/pkg/tcpip/header"
)

// silent reports whether no host answers a packet to a, neither with a
// RST nor with an ICMP error: multicast and the limited broadcast
// address. A client's own stack will not open a TCP connection there,
// and gVisor's sends no datagram to broadcast without SO_BROADCAST, so
// the table sends such packets raw, as a buyer who builds its own can.
func silent(a netip.Addr) bool {
	return a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// sendRaw sends one TCP SYN or one UDP datagram from the buyer's tunnel
// address to dst through the tunnel. It returns a refusal when the exit
// received the packet (its peer's received bytes grew) and nothing was
// metered a moment later; what was forwarded, if anything, the tripwire
// and the canaries report.
func (e *env) sendRaw(network string, dst netip.AddrPort) error {
	src := e.wgBuyer.Assigned.IPv4
	if dst.Addr().Is6() {
		src = e.wgBuyer.Assigned.IPv6
	}
	before, meterBefore := e.wgReceived(), e.wg.Meter.Lease(wgLease).Totals()
	if err := e.wgBuyer.Net.WritePacket(rawPacket(network, netip.AddrPortFrom(src, 40000), dst)); err != nil {
		return &wgError{stage: "raw", err: err}
	}
	deadline := time.Now().Add(2 * time.Second)
	for e.wgReceived() == before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if e.wgReceived() == before {
		return &wgError{stage: "raw", err: fmt.Errorf("the exit did not receive the %s packet to %s", network, dst)}
	}
	time.Sleep(100 * time.Millisecond)
	if after := e.wg.Meter.Lease(wgLease).Totals(); after != meterBefore {
		return &wgError{stage: "raw", err: fmt.Errorf("the meter moved from %+v to %+v", meterBefore, after)}
	}
	return &wgError{stage: "raw", err: fmt.Errorf("%s packet to %s dropped by the exit", network, dst), refused: true}
}

// wgReceived is the WireGuard bytes the exit received from the buyer.
func (e *env) wgReceived() int64 {
	for _, p := range e.wg.Exit.Peers() {
		if p.LeaseID == wgLease {
			return p.RxBytes
		}
	}
	return 0
}

// rawPacket builds an IPv4 or IPv6 packet carrying a TCP SYN or a UDP
// datagram, with valid checksums.
func rawPacket(network string, src, dst netip.AddrPort) []byte {
	payload := []byte("hello origin")
	proto, l4 := header.UDPProtocolNumber, make([]byte, header.UDPMinimumSize+len(payload))
	if network == "tcp" {
		proto, l4 = header.TCPProtocolNumber, make([]byte, header.TCPMinimumSize)
		header.TCP(l4).Encode(&header.TCPFields{SrcPort: src.Port(), DstPort: dst.Port(), SeqNum: 1,
			DataOffset: header.TCPMinimumSize, Flags: header.TCPFlagSyn, WindowSize: 65535})
	} else {
		header.UDP(l4).Encode(&header.UDPFields{SrcPort: src.Port(), DstPort: dst.Port(), Length: uint16(len(l4))})
		copy(l4[header.UDPMinimumSize:], payload)
	}
	s, d := tcpip.AddrFromSlice(src.Addr().AsSlice()), tcpip.AddrFromSlice(dst.Addr().AsSlice())
	sum := checksum.Checksum(l4, header.PseudoHeaderChecksum(proto, s, d, uint16(len(l4))))
	if network == "tcp" {
		header.TCP(l4).SetChecksum(^sum)
	} else {
		header.UDP(l4).SetChecksum(^sum)
	}
	if dst.Addr().Is4() {
		ip := make([]byte, header.IPv4MinimumSize, header.IPv4MinimumSize+len(l4))
		h := header.IPv4(ip)
		h.Encode(&header.IPv4Fields{TotalLength: uint16(cap(ip)), TTL: 64, Protocol: uint8(proto), SrcAddr: s, DstAddr: d})
		h.SetChecksum(^h.CalculateChecksum())
		return append(ip, l4...)
	}
	ip := make([]byte, header.IPv6MinimumSize, header.IPv6MinimumSize+len(l4))
	header.IPv6(ip).Encode(&header.IPv6Fields{PayloadLength: uint16(len(l4)), TransportProtocol: proto,
		HopLimit: 64, SrcAddr: s, DstAddr: d})
	return append(ip, l4...)
}
