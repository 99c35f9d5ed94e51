package gateway

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

// errUDPHeader marks a SOCKS5 UDP datagram whose header does not parse.
var errUDPHeader = errors.New("socks5 udp: bad datagram header")

// udpDatagram is a parsed SOCKS5 UDP request header (RFC 1928 §7) and the
// payload after it.
type udpDatagram struct {
	host    string // IP literal or domain name, never resolved here
	port    uint16
	payload []byte
}

// parseUDPDatagram reads "RSV(2) FRAG(1) ATYP DST.ADDR DST.PORT DATA".
// Fragments (FRAG != 0) are refused: the gateway does not reassemble,
// which RFC 1928 allows, so clients send whole datagrams.
func parseUDPDatagram(b []byte) (udpDatagram, error) {
	if len(b) < 4 {
		return udpDatagram{}, fmt.Errorf("%w: %d bytes", errUDPHeader, len(b))
	}
	if b[0] != 0 || b[1] != 0 {
		return udpDatagram{}, fmt.Errorf("%w: reserved bytes set", errUDPHeader)
	}
	if b[2] != 0 {
		return udpDatagram{}, fmt.Errorf("%w: fragment %d", errUDPHeader, b[2])
	}
	host, rest, err := parseUDPAddr(b[3], b[4:])
	if err != nil {
		return udpDatagram{}, err
	}
	if len(rest) < 2 {
		return udpDatagram{}, fmt.Errorf("%w: no port", errUDPHeader)
	}
	return udpDatagram{host: host, port: binary.BigEndian.Uint16(rest), payload: rest[2:]}, nil
}

// parseUDPAddr reads DST.ADDR of type atyp from b and returns the rest.
func parseUDPAddr(atyp byte, b []byte) (string, []byte, error) {
	switch atyp {
	case atypIPv4:
		if len(b) < 4 {
			return "", nil, fmt.Errorf("%w: short IPv4 address", errUDPHeader)
		}
		return netip.AddrFrom4([4]byte(b[:4])).String(), b[4:], nil
	case atypIPv6:
		if len(b) < 16 {
			return "", nil, fmt.Errorf("%w: short IPv6 address", errUDPHeader)
		}
		return netip.AddrFrom16([16]byte(b[:16])).String(), b[16:], nil
	case atypDomain:
		if len(b) < 1 || len(b) < 1+int(b[0]) {
			return "", nil, fmt.Errorf("%w: short domain", errUDPHeader)
		}
		n := int(b[0])
		return string(b[1 : 1+n]), b[1+n:], nil
	}
	return "", nil, fmt.Errorf("%w: address type %#x", errUDPHeader, atyp)
}

// appendUDPHeader appends the header of a datagram from host:port to dst,
// spelling host as the client did: an IP literal as an address, anything
// else as a domain name, so that clients can match answers to requests.
func appendUDPHeader(dst []byte, host string, port uint16) []byte {
	dst = append(dst, 0, 0, 0)
	if ip, err := netip.ParseAddr(host); err == nil && ip.Zone() == "" {
		if ip.Is4() {
			dst = append(dst, atypIPv4)
		} else {
			dst = append(dst, atypIPv6)
		}
		dst = append(dst, ip.AsSlice()...)
	} else {
		dst = append(dst, atypDomain, byte(len(host)))
		dst = append(dst, host...)
	}
	return binary.BigEndian.AppendUint16(dst, port)
}

// appendBoundReply appends a reply with a bound address, which UDP ASSOCIATE
// needs: it is where the client sends its datagrams.
func appendBoundReply(dst []byte, code byte, bound netip.AddrPort) []byte {
	dst = append(dst, socksVersion, code, 0)
	a := bound.Addr().Unmap()
	if a.Is4() {
		dst = append(dst, atypIPv4)
	} else {
		dst = append(dst, atypIPv6)
	}
	dst = append(dst, a.AsSlice()...)
	return binary.BigEndian.AppendUint16(dst, bound.Port())
}
