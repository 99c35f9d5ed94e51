package egress

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// hostRefresh is how long a list of the machine's addresses is trusted.
// Addresses change when a DHCP lease or a prefix delegation renews; 30s
// keeps the window small without listing interfaces on every dial.
const hostRefresh = 30 * time.Second

// hostAddrs caches the machine's own addresses. Readers never block: one
// caller refreshes a stale list while the others keep using it.
type hostAddrs struct {
	fetch func() ([]netip.Addr, error)
	now   func() time.Time
	log   *zap.Logger
	mu    sync.Mutex // held while refreshing
	snap  atomic.Pointer[hostSnapshot]
}

// hostSnapshot is one listing: the addresses themselves and, for global
// IPv6 ones, their /64. A home's other devices get global IPv6 addresses
// from the same /64 and are reachable on-link from the exit, past the
// router's firewall, so the whole /64 counts as the seller's own network.
type hostSnapshot struct {
	addrs map[netip.Addr]struct{}
	nets  map[netip.Prefix]struct{}
	at    time.Time
}

// newHostAddrs lists the addresses once so that a machine whose interfaces
// cannot be read fails at start rather than on the first connection.
func newHostAddrs(fetch func() ([]netip.Addr, error), log *zap.Logger) (*hostAddrs, error) {
	if fetch == nil {
		fetch = interfaceAddrs
	}
	h := &hostAddrs{fetch: fetch, now: time.Now, log: log}
	snap, err := h.load()
	if err != nil {
		return nil, err
	}
	h.snap.Store(snap)
	return h, nil
}

func (h *hostAddrs) contains(a netip.Addr) bool {
	snap := h.current()
	if _, ok := snap.addrs[a]; ok {
		return true
	}
	if !a.Is6() {
		return false
	}
	net64, _ := a.Prefix(64)
	_, ok := snap.nets[net64]
	return ok
}

func (h *hostAddrs) current() *hostSnapshot {
	snap := h.snap.Load()
	if h.now().Sub(snap.at) < hostRefresh || !h.mu.TryLock() {
		return snap
	}
	defer h.mu.Unlock()
	fresh, err := h.load()
	if err != nil {
		// Keep the last good list rather than opening or closing
		// everything; try again after another interval.
		h.log.Warn("cannot refresh host addresses; keeping the previous list", zap.Error(err))
		fresh = &hostSnapshot{addrs: snap.addrs, nets: snap.nets, at: h.now()}
	}
	h.snap.Store(fresh)
	return fresh
}

func (h *hostAddrs) load() (*hostSnapshot, error) {
	list, err := h.fetch()
	if err != nil {
		return nil, fmt.Errorf("egress: list host addresses: %w", err)
	}
	snap := &hostSnapshot{
		addrs: make(map[netip.Addr]struct{}, len(list)),
		nets:  make(map[netip.Prefix]struct{}),
		at:    h.now(),
	}
	for _, a := range list {
		if !a.IsValid() {
			continue
		}
		a = canonical(a)
		snap.addrs[a] = struct{}{}
		if a.Is6() && globalUnicast.Contains(a) {
			net64, _ := a.Prefix(64)
			snap.nets[net64] = struct{}{}
		}
	}
	return snap, nil
}

// interfaceAddrs returns the addresses assigned to the machine's
// interfaces.
func interfaceAddrs() ([]netip.Addr, error) {
	list, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	out := make([]netip.Addr, 0, len(list))
	for _, addr := range list {
		var ip net.IP
		switch v := addr.(type) {
		case *net.IPNet:
			ip = v.IP
		case *net.IPAddr:
			ip = v.IP
		}
		if a, ok := netip.AddrFromSlice(ip); ok {
			out = append(out, a)
		}
	}
	return out, nil
}
