package egresstable

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"syscall"
	"testing"
)

// errTripwire is what the tripwire returns for a socket it refuses.
var errTripwire = errors.New("tripwire: refused a socket to a non-local address")

// tripwire is the owner's Control hook of the policy's dialer. The policy
// runs its own check first, so the tripwire sees exactly the sockets the
// policy let through. It records them and refuses every one whose remote
// address is not on this machine (or namespace), before connect(2) runs:
// a broken policy can make the test fail but never send a packet away.
type tripwire struct {
	local []netip.Addr
	mu    sync.Mutex
	seen  []netip.AddrPort
}

func newTripwire(t *testing.T) *tripwire {
	t.Helper()
	local, err := localAddrs()
	if err != nil {
		t.Fatalf("tripwire: list local addresses: %v", err)
	}
	return &tripwire{local: local}
}

func (w *tripwire) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: unreadable %q", errTripwire, address)
	}
	w.mu.Lock()
	w.seen = append(w.seen, ap)
	w.mu.Unlock()
	a := ap.Addr().Unmap()
	if !a.IsLoopback() && !slices.Contains(w.local, a.WithZone("")) {
		return fmt.Errorf("%w: %s %s", errTripwire, network, ap)
	}
	return nil
}

// sockets returns the remote addresses the policy let a socket go to.
func (w *tripwire) sockets() []netip.AddrPort {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.seen)
}

// localAddrs lists the addresses of this machine's (or namespace's)
// interfaces, unmapped and without zones.
func localAddrs() ([]netip.Addr, error) {
	list, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	var out []netip.Addr
	for _, a := range list {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok {
				out = append(out, ip.Unmap())
			}
		}
	}
	return out, nil
}
