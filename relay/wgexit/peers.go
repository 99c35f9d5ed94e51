package wgexit

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"
)

// Peer is a buyer's WireGuard key admitted for a lease.
type Peer struct {
	// LeaseID names the lease the peer's traffic is metered and limited
	// under; several peers may share a lease.
	LeaseID string
	// PublicKey is the buyer's Curve25519 public key.
	PublicKey [32]byte
	// RateBps caps the lease's payload in bytes per second, both
	// directions together; 0 is unlimited. It applies to the whole lease,
	// and the latest AddPeer for a lease sets it.
	RateBps int64
	// MaxBytes caps the lease's payload in bytes, both directions, counted
	// from what the meter already holds for the lease; 0 is no cap. When
	// it is reached every peer of the lease is removed.
	MaxBytes int64
	// Index, when not zero, is the host index of the tunnel addresses
	// the peer must get (the broker assigns them, so that the buyer's
	// configuration is known in advance); ErrAddressInUse when another
	// peer holds it. Zero lets the exit choose.
	Index uint32
}

// Assigned is a peer's pair of tunnel addresses.
type Assigned struct {
	IPv4, IPv6 netip.Addr
}

// PeerInfo is the state of one peer, as Peers reports it.
type PeerInfo struct {
	LeaseID       string
	PublicKey     [32]byte
	Assigned      Assigned
	LastHandshake time.Time // zero before the first handshake
	RxBytes       int64     // WireGuard bytes received from the peer
	TxBytes       int64     // WireGuard bytes sent to the peer
}

// peerState is what the exit keeps per peer.
type peerState struct {
	key      [32]byte
	index    uint32
	assigned Assigned
	lease    *lease
}

// AddPeer admits p and returns its tunnel addresses. The key must not be
// a peer already (ErrPeerExists); a lease whose cap is used up is refused
// with ErrCapReached.
func (e *Exit) AddPeer(p Peer) (Assigned, error) {
	if p.LeaseID == "" || p.PublicKey == [32]byte{} || p.RateBps < 0 || p.MaxBytes < 0 {
		return Assigned{}, fmt.Errorf("%w: a lease ID, a non-zero key and non-negative limits are required", ErrInvalidPeer)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return Assigned{}, ErrClosed
	}
	if _, ok := e.peers[p.PublicKey]; ok {
		return Assigned{}, fmt.Errorf("%w: lease %s", ErrPeerExists, p.LeaseID)
	}
	l := e.leases[p.LeaseID]
	if l == nil {
		l = newLease(p.LeaseID, e.cfg.Meter)
	}
	l.configure(p.RateBps, p.MaxBytes)
	if l.exhausted() {
		return Assigned{}, fmt.Errorf("lease %s: %w", p.LeaseID, ErrCapReached)
	}
	idx, err := p.Index, error(nil)
	if idx == 0 {
		idx, err = e.pool.alloc()
	} else {
		err = e.pool.take(idx)
	}
	if err != nil {
		return Assigned{}, err
	}
	ps := &peerState{key: p.PublicKey, index: idx, assigned: e.pool.at(idx), lease: l}
	if err := e.dev.IpcSet(addPeerUAPI(ps)); err != nil {
		e.pool.free(idx)
		return Assigned{}, fmt.Errorf("wgexit: add peer of lease %s: %w", p.LeaseID, err)
	}
	e.leases[p.LeaseID] = l
	l.peers[p.PublicKey] = struct{}{}
	e.peers[p.PublicKey] = ps
	e.byAddr[ps.assigned.IPv4], e.byAddr[ps.assigned.IPv6] = ps, ps
	e.log.Info("peer added", zap.String("lease", p.LeaseID), zap.Int("lease_peers", len(l.peers)))
	return ps.assigned, nil
}

// RemovePeer removes one peer and ends its flows. Its handshakes are no
// longer answered.
func (e *Exit) RemovePeer(pub [32]byte) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	ps, ok := e.peers[pub]
	if !ok {
		return ErrUnknownPeer
	}
	return e.removeLocked(ps)
}

// RemoveLease removes every peer of the lease and ends its flows. It
// returns ErrUnknownPeer when the lease has no peers.
func (e *Exit) RemoveLease(leaseID string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	l := e.leases[leaseID]
	if l == nil {
		return fmt.Errorf("lease %s: %w", leaseID, ErrUnknownPeer)
	}
	var errs []string
	for key := range l.peers {
		if err := e.removeLocked(e.peers[key]); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("wgexit: remove lease %s: %s", leaseID, strings.Join(errs, "; "))
	}
	return nil
}

// removeLocked removes ps from the device and the exit's tables; the
// lease goes with its last peer. e.mu is held.
func (e *Exit) removeLocked(ps *peerState) error {
	err := e.dev.IpcSet(fmt.Sprintf("public_key=%s\nremove=true\n", hex.EncodeToString(ps.key[:])))
	delete(e.peers, ps.key)
	delete(e.byAddr, ps.assigned.IPv4)
	delete(e.byAddr, ps.assigned.IPv6)
	e.pool.free(ps.index)
	l := ps.lease
	delete(l.peers, ps.key)
	if len(l.peers) == 0 {
		delete(e.leases, l.id)
		l.cancel()
		l.closeFlows(nil)
	} else {
		l.closeFlows([]netip.Addr{ps.assigned.IPv4, ps.assigned.IPv6})
	}
	e.log.Info("peer removed", zap.String("lease", l.id))
	if err != nil {
		return fmt.Errorf("wgexit: remove peer of lease %s: %w", l.id, err)
	}
	return nil
}

// capGrace is how long a capped lease's peers stay after its flows are
// closed, so that the closing segments still reach the buyer, who then
// sees its connections end instead of hanging.
const capGrace = time.Second

// capReached ends the flows of a lease whose byte cap is used up and
// removes its peers after capGrace. No new flow opens meanwhile: the
// lease is exhausted.
func (e *Exit) capReached(l *lease) {
	if !l.capped.CompareAndSwap(false, true) {
		return
	}
	e.log.Info("lease byte cap reached; removing its peers", zap.String("lease", l.id))
	l.closeFlows(nil)
	if !e.enter() {
		return
	}
	time.AfterFunc(capGrace, func() {
		defer e.wg.Done()
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.leases[l.id] != l {
			return
		}
		for key := range l.peers {
			if err := e.removeLocked(e.peers[key]); err != nil {
				e.log.Warn("remove capped peer", zap.Error(err))
			}
		}
	})
}

// Peers lists the peers with their WireGuard state, sorted by lease and
// then key.
func (e *Exit) Peers() []PeerInfo {
	state, err := e.dev.IpcGet()
	if err != nil {
		e.log.Warn("read device state", zap.Error(err))
	}
	stats := peerStats(state)
	e.mu.Lock()
	out := make([]PeerInfo, 0, len(e.peers))
	for key, ps := range e.peers {
		info := stats[key]
		info.LeaseID, info.PublicKey, info.Assigned = ps.lease.id, key, ps.assigned
		out = append(out, info)
	}
	e.mu.Unlock()
	slices.SortFunc(out, func(a, b PeerInfo) int {
		if c := strings.Compare(a.LeaseID, b.LeaseID); c != 0 {
			return c
		}
		return slices.Compare(a.PublicKey[:], b.PublicKey[:])
	})
	return out
}
