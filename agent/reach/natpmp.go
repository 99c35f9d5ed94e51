package reach

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"
)

// NAT-PMP (RFC 6886) runs on UDP port 5351 of the default gateway.
const (
	NATPMPPort = 5351

	pmpVersion     = 0
	opExternalAddr = 0
	opMapUDP       = 1
	opReplyFlag    = 128
	externalReplyN = 12
	mappingReplyN  = 16
	resultSuccess  = 0
)

// pmpResults names the result codes of RFC 6886 section 3.5.
var pmpResults = map[uint16]string{
	1: "unsupported version",
	2: "not authorized or refused",
	3: "network failure",
	4: "out of resources",
	5: "unsupported opcode",
}

// PMPReply is a parsed NAT-PMP response. External is set for the
// external-address opcode, the port fields for a mapping.
type PMPReply struct {
	Op           byte
	Result       uint16
	Epoch        uint32
	External     netip.Addr
	InternalPort uint16
	ExternalPort uint16
	Lifetime     time.Duration
}

// ResultError is a NAT-PMP reply whose result code is not success.
type ResultError struct{ Code uint16 }

func (e *ResultError) Error() string {
	if s, ok := pmpResults[e.Code]; ok {
		return "NAT-PMP: " + s
	}
	return fmt.Sprintf("NAT-PMP: result code %d", e.Code)
}

// ParsePMPReply reads a response to request opcode op.
func ParsePMPReply(b []byte, op byte) (PMPReply, error) {
	want := externalReplyN
	if op != opExternalAddr {
		want = mappingReplyN
	}
	if len(b) < want || b[0] != pmpVersion || b[1] != op|opReplyFlag {
		return PMPReply{}, fmt.Errorf("%w: not a NAT-PMP reply to opcode %d", ErrMalformed, op)
	}
	r := PMPReply{
		Op:     op,
		Result: binary.BigEndian.Uint16(b[2:4]),
		Epoch:  binary.BigEndian.Uint32(b[4:8]),
	}
	if r.Result != resultSuccess {
		return r, nil
	}
	if op == opExternalAddr {
		r.External = netip.AddrFrom4([4]byte(b[8:12]))
		return r, nil
	}
	r.InternalPort = binary.BigEndian.Uint16(b[8:10])
	r.ExternalPort = binary.BigEndian.Uint16(b[10:12])
	r.Lifetime = time.Duration(binary.BigEndian.Uint32(b[12:16])) * time.Second
	return r, nil
}

// pmpRequest sends one NAT-PMP request to gateway and returns the reply,
// or a *ResultError when the router refused.
func pmpRequest(ctx context.Context, gateway netip.AddrPort, req []byte, timeout time.Duration) (PMPReply, error) {
	op := req[1]
	var reply PMPReply
	err := exchange(ctx, gateway.String(), req, timeout, func(b []byte) bool {
		r, err := ParsePMPReply(b, op)
		reply = r
		return err == nil
	})
	if err != nil {
		return PMPReply{}, err
	}
	if reply.Result != resultSuccess {
		return reply, &ResultError{Code: reply.Result}
	}
	return reply, nil
}

// externalAddress asks the gateway for its public address.
func externalAddress(ctx context.Context, gateway netip.AddrPort, timeout time.Duration) (netip.Addr, error) {
	r, err := pmpRequest(ctx, gateway, []byte{pmpVersion, opExternalAddr}, timeout)
	return r.External, err
}

// mapUDP asks the gateway to forward a UDP port to internal for lifetime;
// a zero lifetime deletes the mapping.
func mapUDP(ctx context.Context, gateway netip.AddrPort, internal, suggested uint16, lifetime time.Duration, timeout time.Duration) (PMPReply, error) {
	req := make([]byte, 12)
	req[0], req[1] = pmpVersion, opMapUDP
	binary.BigEndian.PutUint16(req[4:6], internal)
	binary.BigEndian.PutUint16(req[6:8], suggested)
	binary.BigEndian.PutUint32(req[8:12], uint32(lifetime/time.Second))
	return pmpRequest(ctx, gateway, req, timeout)
}
