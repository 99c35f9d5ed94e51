package wgexit

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// firstPeerIndex is the first host index handed to peers: 0 is the
// network address and 1 the exit's own address.
const firstPeerIndex = 2

// maxPoolSize caps the host indexes of a pool, so that an IPv6 /64 does
// not pretend to hold more peers than an exit will ever have.
const maxPoolSize = 1 << 24

// pool hands out host indexes; index i maps to the i-th address of both
// prefixes, so a peer's IPv4 and IPv6 addresses always go together. An
// index is reused only after it is freed. It is not safe for concurrent
// use: the Exit guards it.
type pool struct {
	p4, p6 netip.Prefix
	size   uint32 // indexes [firstPeerIndex, size) are usable
	next   uint32 // where the search for a free index starts
	used   map[uint32]bool
}

// newPool checks the prefixes and sizes the pool by the smaller one. The
// last IPv4 address (the broadcast address) is never handed out.
func newPool(p4, p6 netip.Prefix) (*pool, error) {
	if !p4.Addr().Is4() || p4.Bits() > 30 {
		return nil, fmt.Errorf("%w: Prefix4 %s must be IPv4 and hold at least 4 addresses", ErrInvalidConfig, p4)
	}
	if !p6.Addr().Is6() || p6.Addr().Is4In6() || p6.Bits() > 126 {
		return nil, fmt.Errorf("%w: Prefix6 %s must be IPv6 and hold at least 4 addresses", ErrInvalidConfig, p6)
	}
	size := min(hostCount(32-p4.Bits())-1, hostCount(128-p6.Bits()))
	return &pool{
		p4: p4.Masked(), p6: p6.Masked(),
		size: uint32(size), next: firstPeerIndex,
		used: make(map[uint32]bool),
	}, nil
}

// hostCount is 2^bits, capped at maxPoolSize.
func hostCount(bits int) uint64 {
	if bits >= 24 {
		return maxPoolSize
	}
	return 1 << bits
}

// own returns the exit's addresses: index 1 of each prefix.
func (p *pool) own() Assigned { return p.at(1) }

// at returns the addresses of index i.
func (p *pool) at(i uint32) Assigned {
	return Assigned{IPv4: addIndex(p.p4.Addr(), i), IPv6: addIndex(p.p6.Addr(), i)}
}

// alloc returns a free index, searching onward from the last one handed
// out, so that a freed address is not handed out again at once.
func (p *pool) alloc() (uint32, error) {
	span := p.size - firstPeerIndex
	for n := uint32(0); n < span; n++ {
		i := firstPeerIndex + (p.next-firstPeerIndex+n)%span
		if !p.used[i] {
			p.used[i] = true
			p.next = i + 1
			return i, nil
		}
	}
	return 0, fmt.Errorf("%w: all %d addresses are assigned", ErrPoolExhausted, span)
}

// take claims index i, which a broker assigned.
func (p *pool) take(i uint32) error {
	switch {
	case i < firstPeerIndex || i >= p.size:
		return fmt.Errorf("%w: index %d is outside %d..%d", ErrInvalidPeer, i, firstPeerIndex, p.size-1)
	case p.used[i]:
		return fmt.Errorf("%w: index %d", ErrAddressInUse, i)
	}
	p.used[i] = true
	return nil
}

// free returns index i to the pool.
func (p *pool) free(i uint32) { delete(p.used, i) }

// contains reports whether a is in either prefix.
func (p *pool) contains(a netip.Addr) bool {
	a = a.Unmap()
	return p.p4.Contains(a) || p.p6.Contains(a)
}

// addIndex adds i to the low 32 bits of a masked prefix address. The
// pool's size keeps i within the host bits, so nothing carries over.
func addIndex(base netip.Addr, i uint32) netip.Addr {
	if base.Is4() {
		b := base.As4()
		binary.BigEndian.PutUint32(b[:], binary.BigEndian.Uint32(b[:])+i)
		return netip.AddrFrom4(b)
	}
	b := base.As16()
	binary.BigEndian.PutUint32(b[12:], binary.BigEndian.Uint32(b[12:])+i)
	return netip.AddrFrom16(b)
}
