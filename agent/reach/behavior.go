package reach

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/pion/stun/v4"
)

// NAT behaviour (RFC 4787), as two STUN servers of one host tell it
// (RFC 5780): the broker listens on two addresses, and answers a request
// carrying CHANGE-REQUEST from the other one.
const (
	EndpointIndependent = "endpoint_independent"
	AddressDependent    = "address_dependent"
	BehaviorUnknown     = "unknown"
)

// Behavior is how the NAT in front of this machine maps and filters UDP.
// A NAT whose mapping is address dependent ("symmetric") defeats hole
// punching unless the other side's NAT filters nothing; buyers then reach
// the exit through a rendezvous relay.
type Behavior struct {
	Mapping   string `json:"mapping"`
	Filtering string `json:"filtering"`
}

// attrChangeRequest is RFC 5780's CHANGE-REQUEST; the flags ask for the
// answer from another IP and port.
const (
	attrChangeRequest stun.AttrType = 0x0003
	changeIPAndPort   uint32        = 0x6
)

// natBehavior runs the tests: bindings to both server addresses from
// one socket (mapping), then, from a second socket, a binding to the
// primary that asks for the answer from the other address (filtering).
// The filtering probe has its own socket because a packet the NAT let in
// or turned away can leave state behind (Linux conntrack does) that
// changes how the NAT maps that socket's next flow.
func natBehavior(ctx context.Context, primary, alt string, timeout time.Duration) (Behavior, error) {
	b := Behavior{Mapping: BehaviorUnknown, Filtering: BehaviorUnknown}
	p, err := resolveUDP(primary)
	if err != nil {
		return b, err
	}
	a, err := resolveUDP(alt)
	if err != nil {
		return b, err
	}
	if b.Mapping, err = mappingTest(ctx, p, a, timeout); err != nil {
		return b, fmt.Errorf("NAT behaviour: %w", err)
	}
	b.Filtering = filteringTest(ctx, p, timeout)
	return b, nil
}

// mappingTest compares the mapped addresses one socket gets from the two
// server addresses.
func mappingTest(ctx context.Context, p, a netip.AddrPort, timeout time.Duration) (string, error) {
	conn, err := net.ListenUDP("udp4", nil)
	if err != nil {
		return BehaviorUnknown, err
	}
	defer conn.Close()
	first, _, err := bindingOn(ctx, conn, p, false, timeout)
	if err != nil {
		return BehaviorUnknown, err
	}
	second, _, err := bindingOn(ctx, conn, a, false, timeout)
	if err != nil {
		return BehaviorUnknown, fmt.Errorf("second server: %w", err)
	}
	if first == second {
		return EndpointIndependent, nil
	}
	return AddressDependent, nil
}

// filteringTest asks the primary to answer from its other address: an
// answer from there means the NAT lets anyone in; none means it filters;
// an answer from the primary itself means the server cannot tell.
func filteringTest(ctx context.Context, p netip.AddrPort, timeout time.Duration) string {
	conn, err := net.ListenUDP("udp4", nil)
	if err != nil {
		return BehaviorUnknown
	}
	defer conn.Close()
	_, from, err := bindingOn(ctx, conn, p, true, timeout)
	switch {
	case errors.Is(err, ErrNoAnswer):
		return AddressDependent
	case err == nil && from != p:
		return EndpointIndependent
	}
	return BehaviorUnknown
}

func resolveUDP(addr string) (netip.AddrPort, error) {
	ua, err := net.ResolveUDPAddr("udp4", addr)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("STUN server %q: %w", addr, err)
	}
	return netip.AddrPortFrom(ua.AddrPort().Addr().Unmap(), ua.AddrPort().Port()), nil
}

// bindingOn sends a binding request to server from conn, resending with
// doubling waits, and returns the mapped address and where the answer
// came from.
func bindingOn(ctx context.Context, conn *net.UDPConn, server netip.AddrPort, change bool, timeout time.Duration) (mapped, from netip.AddrPort, err error) {
	setters := []stun.Setter{stun.TransactionID, stun.BindingRequest}
	if change {
		v := make([]byte, 4)
		binary.BigEndian.PutUint32(v, changeIPAndPort)
		setters = append(setters, stun.RawAttribute{Type: attrChangeRequest, Value: v})
	}
	req, err := stun.Build(append(setters, stun.Fingerprint)...)
	if err != nil {
		return mapped, from, fmt.Errorf("build STUN request: %w", err)
	}
	deadline := time.Now().Add(timeout)
	buf := make([]byte, 1500)
	for wait := firstRetransmit; time.Now().Before(deadline); wait *= 2 {
		if ctx.Err() != nil {
			return mapped, from, ctx.Err()
		}
		if _, err := conn.WriteToUDPAddrPort(req.Raw, server); err != nil {
			return mapped, from, fmt.Errorf("send to %s: %w", server, err)
		}
		_ = conn.SetReadDeadline(minTime(time.Now().Add(wait), deadline))
		for {
			n, src, err := conn.ReadFromUDPAddrPort(buf)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				break
			}
			if err != nil {
				return mapped, from, fmt.Errorf("read: %w", err)
			}
			if ap, err := ParseBindingResponse(buf[:n], req.TransactionID); err == nil {
				return ap, netip.AddrPortFrom(src.Addr().Unmap(), src.Port()), nil
			}
		}
	}
	return mapped, from, fmt.Errorf("%w from %s within %v", ErrNoAnswer, server, timeout)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
