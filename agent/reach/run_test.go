package reach

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/agent/reach/reachtest"
)

// network is the machine's interfaces and clock as a test changes them.
type network struct {
	mu    sync.Mutex
	addrs []IfaceAddr
	now   time.Time
}

func (n *network) list() ([]IfaceAddr, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]IfaceAddr(nil), n.addrs...), nil
}

func (n *network) clock() time.Time {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.now
}

func (n *network) set(addrs []IfaceAddr, advance time.Duration) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if addrs != nil {
		n.addrs = addrs
	}
	n.now = n.now.Add(advance)
}

// TestRunRechecks runs a Checker with a mapped port and drives what
// should trigger a new check: an address change, the daily recheck, and
// the renewal of a short mapping. Leaving Run deletes the mapping.
func TestRunRechecks(t *testing.T) {
	nw := &network{addrs: []IfaceAddr{ifa("eth0", "192.168.1.20")}, now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	gw := reachtest.NewNATPMPServer(t, reachtest.NATPMPConfig{External: routerPublic})
	c := New(Config{
		Gateway: gw.Addr(), MapPort: 4433, MapLifetime: 4 * time.Hour,
		Timeout: 400 * time.Millisecond, Poll: 5 * time.Millisecond,
		Addrs: nw.list, Now: nw.clock,
	}, zaptest.NewLogger(t))
	reports := make(chan Report, 16)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx, func(r Report) { reports <- r }) }()

	steps := []struct {
		name  string
		addrs []IfaceAddr
		after time.Duration
		want  Code
	}{
		{"first check", nil, 0, PortMapped},
		{"new address", []IfaceAddr{ifa("wwan0", "100.72.3.4")}, 0, BehindCGNAT},
		{"daily recheck", nil, 24 * time.Hour, BehindCGNAT},
		{"back home", []IfaceAddr{ifa("eth0", "192.168.1.20")}, 0, PortMapped},
		{"renewal at half the mapping's life", nil, 2 * time.Hour, PortMapped},
	}
	for _, s := range steps {
		nw.set(s.addrs, s.after)
		select {
		case r := <-reports:
			if r.Code != s.want {
				t.Fatalf("%s: got %s, want %s (%+v)", s.name, r.Code, s.want, r.Reasons)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: no new report within 5s", s.name)
		}
	}
	select {
	case r := <-reports:
		t.Fatalf("got an extra report %s with nothing changed", r.Code)
	case <-time.After(50 * time.Millisecond):
	}
	if _, ok := gw.Mappings()[4433]; !ok {
		t.Fatalf("got router mappings %v while running, want port 4433 mapped", gw.Mappings())
	}
	cancel()
	<-done
	if m := gw.Mappings(); len(m) != 0 {
		t.Errorf("got router mappings %v after Run returned, want none", m)
	}
}

func TestGatewayResolution(t *testing.T) {
	routes := filepath.Join(t.TempDir(), "route")
	text := routeHeader + "eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
	if err := os.WriteFile(routes, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, gateway, routeFile string
		want                     string
		wantErr                  bool
	}{
		{"address and port", "10.0.0.1:5400", routes, "10.0.0.1:5400", false},
		{"address gets the NAT-PMP port", "10.0.0.1", routes, "10.0.0.1:5351", false},
		{"default route", "", routes, "192.168.1.1:5351", false},
		{"no route file", "", filepath.Join(t.TempDir(), "missing"), "", true},
		{"not an address", "router.home", routes, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(Config{Gateway: tt.gateway, RouteFile: tt.routeFile}, zaptest.NewLogger(t))
			got, err := c.gateway()
			if (err != nil) != tt.wantErr || (err == nil && got != netip.MustParseAddrPort(tt.want)) {
				t.Errorf("got %v, %v; want %s, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// TestSystemAddrs lists this machine's real interfaces.
func TestSystemAddrs(t *testing.T) {
	addrs, err := systemAddrs()
	if err != nil {
		t.Fatalf("systemAddrs: %v", err)
	}
	for _, a := range addrs {
		if !a.Addr.Is4() || a.Addr.IsLoopback() || a.Iface == "" {
			t.Errorf("got %+v, want only named interfaces' IPv4 addresses other than loopback", a)
		}
	}
}
