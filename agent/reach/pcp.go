package reach

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// PCP (RFC 6887), NAT-PMP's successor on the same port: a MAP request
// asks the gateway to forward a UDP port. A gateway that only speaks
// NAT-PMP answers version 2 with "unsupported version" in NAT-PMP's
// format, and the checker falls back to NAT-PMP.
const (
	pcpVersion     = 2
	pcpOpMap       = 1
	pcpResponseBit = 0x80
	pcpHeaderN     = 24
	pcpMapN        = 36
	protoUDP       = 17
)

// pcpResults names result codes of RFC 6887 section 7.4.
var pcpResults = map[byte]string{
	1: "unsupported version", 2: "not authorized", 3: "malformed request",
	4: "unsupported opcode", 7: "network failure", 8: "no resources",
	9: "unsupported protocol", 11: "cannot provide the suggested external port",
}

// errPCPUnsupported means the gateway answered in NAT-PMP's format.
var errPCPUnsupported = errors.New("PCP: the gateway speaks NAT-PMP only")

// PCPError is a PCP answer whose result code is not success.
type PCPError struct{ Code byte }

func (e *PCPError) Error() string {
	if s, ok := pcpResults[e.Code]; ok {
		return "PCP: " + s
	}
	return fmt.Sprintf("PCP: result code %d", e.Code)
}

// PCPMapReply is a parsed answer to a MAP request.
type PCPMapReply struct {
	Result       byte
	Lifetime     time.Duration
	Epoch        uint32
	Nonce        [12]byte
	InternalPort uint16
	ExternalPort uint16
	External     netip.Addr
}

// ParsePCPMapReply reads a gateway's answer to a UDP MAP request. A
// NAT-PMP "unsupported version" answer gives errPCPUnsupported.
func ParsePCPMapReply(b []byte) (PCPMapReply, error) {
	if len(b) >= 2 && b[0] == pmpVersion && b[1]&opReplyFlag != 0 {
		return PCPMapReply{}, errPCPUnsupported
	}
	if len(b) < pcpHeaderN || b[0] != pcpVersion || b[1] != pcpOpMap|pcpResponseBit {
		return PCPMapReply{}, fmt.Errorf("%w: not a PCP MAP response", ErrMalformed)
	}
	r := PCPMapReply{
		Result:   b[3],
		Lifetime: time.Duration(binary.BigEndian.Uint32(b[4:8])) * time.Second,
		Epoch:    binary.BigEndian.Uint32(b[8:12]),
	}
	if r.Result != resultSuccess {
		return r, nil
	}
	if len(b) < pcpHeaderN+pcpMapN || b[pcpHeaderN+12] != protoUDP {
		return PCPMapReply{}, fmt.Errorf("%w: PCP MAP response without a UDP mapping", ErrMalformed)
	}
	m := b[pcpHeaderN:]
	copy(r.Nonce[:], m[:12])
	r.InternalPort = binary.BigEndian.Uint16(m[16:18])
	r.ExternalPort = binary.BigEndian.Uint16(m[18:20])
	r.External = netip.AddrFrom16([16]byte(m[20:36])).Unmap()
	return r, nil
}

// pcpMapRequest builds a MAP request for a UDP port from client.
func pcpMapRequest(client netip.Addr, nonce [12]byte, internal, suggested uint16, lifetime time.Duration) []byte {
	b := make([]byte, pcpHeaderN+pcpMapN)
	b[0], b[1] = pcpVersion, pcpOpMap
	binary.BigEndian.PutUint32(b[4:8], uint32(lifetime/time.Second))
	ip := client.As16()
	copy(b[8:24], ip[:])
	m := b[pcpHeaderN:]
	copy(m[:12], nonce[:])
	m[12] = protoUDP
	binary.BigEndian.PutUint16(m[16:18], internal)
	binary.BigEndian.PutUint16(m[18:20], suggested)
	any4 := netip.IPv4Unspecified().As16() // no preference for the external address
	copy(m[20:36], any4[:])
	return b
}

// pcpMap asks the gateway over PCP to forward a UDP port; nonce names
// the mapping (a renewal or deletion must repeat it); a zero lifetime
// deletes it.
func pcpMap(ctx context.Context, gateway netip.AddrPort, nonce [12]byte, internal, suggested uint16, lifetime, timeout time.Duration) (PCPMapReply, error) {
	client, err := localAddrTowards(gateway)
	if err != nil {
		return PCPMapReply{}, err
	}
	req := pcpMapRequest(client, nonce, internal, suggested, lifetime)
	var reply PCPMapReply
	var unsupported bool
	err = exchange(ctx, gateway.String(), req, timeout, func(b []byte) bool {
		r, err := ParsePCPMapReply(b)
		unsupported = errors.Is(err, errPCPUnsupported)
		reply = r
		return err == nil && (r.Nonce == nonce || r.Result != resultSuccess) || unsupported
	})
	switch {
	case err != nil:
		return PCPMapReply{}, err
	case unsupported:
		return PCPMapReply{}, errPCPUnsupported
	case reply.Result != resultSuccess:
		return reply, &PCPError{Code: reply.Result}
	}
	return reply, nil
}

// newNonce makes a mapping nonce.
func newNonce() [12]byte {
	var n [12]byte
	_, _ = rand.Read(n[:])
	return n
}

// localAddrTowards is this machine's address on the route to gateway,
// which PCP requests must carry.
func localAddrTowards(gateway netip.AddrPort) (netip.Addr, error) {
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(gateway))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("PCP: route to %s: %w", gateway, err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap(), nil
}
