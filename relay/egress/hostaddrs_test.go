package egress_test

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/sparelink/sparelink/relay/egress"
)

// hostList is a HostAddrs source the test changes between checks.
type hostList struct {
	mu    sync.Mutex
	addrs []netip.Addr
	err   error
	calls int
}

func (h *hostList) set(err error, addrs ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.err, h.addrs = err, nil
	for _, s := range addrs {
		h.addrs = append(h.addrs, netip.MustParseAddr(s))
	}
}

func (h *hostList) fetch() ([]netip.Addr, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls++
	return h.addrs, h.err
}

func TestHostAddrsRefresh(t *testing.T) {
	hosts := &hostList{}
	hosts.set(nil, "81.2.69.160")
	core, logs := observer.New(zap.WarnLevel)
	p, err := egress.New(egress.Config{HostAddrs: hosts.fetch}, zap.New(core))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	// An hour past the list New fetched: the first check refreshes.
	now := time.Now().Add(time.Hour)
	p.SetClock(func() time.Time { return now })

	steps := []struct {
		name    string
		advance time.Duration
		change  func()
		denied  map[string]bool // address -> must be refused as host-local
	}{
		{"first check refreshes", 0, nil, map[string]bool{"81.2.69.160:443": true, "81.2.69.161:443": false}},
		{"change not seen within 30s", 29 * time.Second, func() { hosts.set(nil, "81.2.69.161") },
			map[string]bool{"81.2.69.160:443": true, "81.2.69.161:443": false}},
		{"change seen after 30s", 2 * time.Second, nil,
			map[string]bool{"81.2.69.160:443": false, "81.2.69.161:443": true}},
		{"failed refresh keeps list", 31 * time.Second, func() { hosts.set(errors.New("netlink busy")) },
			map[string]bool{"81.2.69.160:443": false, "81.2.69.161:443": true}},
		{"recovery, mapped entry unmapped", 31 * time.Second, func() { hosts.set(nil, "::ffff:81.2.69.162") },
			map[string]bool{"81.2.69.161:443": false, "81.2.69.162:443": true}},
	}
	for _, step := range steps {
		now = now.Add(step.advance)
		if step.change != nil {
			step.change()
		}
		for addr, want := range step.denied {
			got := reasonOf(t, p.CheckAddr(netip.MustParseAddrPort(addr))) == egress.ReasonHostLocal
			if got != want {
				t.Errorf("%s: %s refused as host-local = %v, want %v", step.name, addr, got, want)
			}
		}
	}
	if got := logs.FilterMessageSnippet("cannot refresh host addresses").Len(); got != 1 {
		t.Errorf("refresh failure warnings = %d, want 1", got)
	}
	if hosts.calls != 5 {
		t.Errorf("host list fetched %d times, want 5 (New, then the first check and three elapsed intervals)", hosts.calls)
	}
}

// TestHostAddrsDefault uses the machine's real interfaces: every address
// they carry must be refused, whatever else it is.
func TestHostAddrsDefault(t *testing.T) {
	p, err := egress.New(egress.Config{}, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	list, err := net.InterfaceAddrs()
	if err != nil {
		t.Skipf("cannot list interfaces here: %v", err)
	}
	if len(list) == 0 {
		t.Skip("machine has no interface addresses")
	}
	for _, a := range list {
		ipnet, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		addr, _ := netip.AddrFromSlice(ipnet.IP)
		if err := p.CheckAddr(netip.AddrPortFrom(addr, 443)); !errors.Is(err, egress.ErrDenied) {
			t.Errorf("own address %s: CheckAddr = %v, want a refusal", addr, err)
		}
	}
}

// TestHostAddrsConcurrentRefresh checks under -race that many checks can
// run while the list keeps going stale and being refreshed.
func TestHostAddrsConcurrentRefresh(t *testing.T) {
	hosts := &hostList{}
	hosts.set(nil, "81.2.69.160")
	p := newPolicy(t, egress.Config{HostAddrs: hosts.fetch})
	var ticks atomic.Int64
	start := time.Now()
	p.SetClock(func() time.Time { return start.Add(time.Duration(ticks.Add(1)) * time.Second) })

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				var d *egress.DeniedError
				err := p.CheckAddr(netip.MustParseAddrPort("81.2.69.160:443"))
				if !errors.As(err, &d) || d.Reason != egress.ReasonHostLocal {
					t.Errorf("CheckAddr = %v, want a %q refusal", err, egress.ReasonHostLocal)
					return
				}
			}
		})
	}
	wg.Wait()
	hosts.mu.Lock()
	defer hosts.mu.Unlock()
	if hosts.calls < 2 {
		t.Errorf("host list fetched %d times, want refreshes while the clock ran", hosts.calls)
	}
}
