package reach

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/pion/stun/v4"
)

// stunBinding asks server where it sees this machine.
func stunBinding(ctx context.Context, server string, timeout time.Duration) (netip.AddrPort, error) {
	req, err := stun.Build(stun.TransactionID, stun.BindingRequest, stun.Fingerprint)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("build STUN request: %w", err)
	}
	var mapped netip.AddrPort
	err = exchange(ctx, server, req.Raw, timeout, func(b []byte) bool {
		ap, err := ParseBindingResponse(b, req.TransactionID)
		mapped = ap
		return err == nil
	})
	return mapped, err
}

// ParseBindingResponse reads a STUN binding success response to the
// request with transaction ID tid and returns the mapped address, from
// XOR-MAPPED-ADDRESS or, for old servers, MAPPED-ADDRESS.
func ParseBindingResponse(b []byte, tid [stun.TransactionIDSize]byte) (netip.AddrPort, error) {
	if !stun.IsMessage(b) {
		return netip.AddrPort{}, fmt.Errorf("%w: not a STUN message", ErrMalformed)
	}
	m := new(stun.Message)
	if err := stun.Decode(b, m); err != nil {
		return netip.AddrPort{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if m.Type != stun.BindingSuccess || m.TransactionID != tid {
		return netip.AddrPort{}, fmt.Errorf("%w: %v is not the answer to this request", ErrMalformed, m.Type)
	}
	var xor stun.XORMappedAddress
	if err := xor.GetFrom(m); err == nil {
		return addrPort(xor.IP, xor.Port)
	}
	var plain stun.MappedAddress
	if err := plain.GetFrom(m); err == nil {
		return addrPort(plain.IP, plain.Port)
	}
	return netip.AddrPort{}, fmt.Errorf("%w: binding response without a mapped address", ErrMalformed)
}

func addrPort(ip []byte, port int) (netip.AddrPort, error) {
	a, ok := netip.AddrFromSlice(ip)
	if !ok || port < 0 || port > 65535 {
		return netip.AddrPort{}, fmt.Errorf("%w: bad mapped address", ErrMalformed)
	}
	return netip.AddrPortFrom(a.Unmap(), uint16(port)), nil
}
