package reach

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/agent/reach/reachtest"
)

// home describes the network a check runs in: the machine's interface
// addresses, what the STUN server and the router answer.
type home struct {
	addrs   []IfaceAddr
	stun    *reachtest.STUNConfig   // nil: no STUN server configured
	gateway *reachtest.NATPMPConfig // nil: port mapping disabled
	mapPort uint16
	ifaces  []string
}

func ifa(name, addr string) IfaceAddr {
	return IfaceAddr{Iface: name, Addr: netip.MustParseAddr(addr)}
}

// checker builds a Checker for h against loopback servers, returning the
// gateway (nil when there is none).
func (h home) checker(t *testing.T) (*Checker, *reachtest.NATPMPServer) {
	t.Helper()
	cfg := Config{
		Interfaces: h.ifaces, MapPort: h.mapPort,
		Timeout:            400 * time.Millisecond,
		Addrs:              func() ([]IfaceAddr, error) { return h.addrs, nil },
		DisablePortMapping: h.gateway == nil,
	}
	if h.stun != nil {
		cfg.STUNServer = reachtest.NewSTUNServer(t, *h.stun).Addr()
	}
	var gw *reachtest.NATPMPServer
	if h.gateway != nil {
		gw = reachtest.NewNATPMPServer(t, *h.gateway)
		cfg.Gateway = gw.Addr()
	}
	return New(cfg, zaptest.NewLogger(t)), gw
}

var (
	routerPublic = netip.MustParseAddr("198.51.100.7")
	seenAt       = netip.MustParseAddrPort("198.51.100.7:50000")
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name        string
		home        home
		want        Code
		wantMapping bool
		wantInText  string // in the first reason
	}{
		{"public address that STUN confirms", home{
			addrs: []IfaceAddr{ifa("eth0", "203.0.113.5")},
			stun:  &reachtest.STUNConfig{Mapped: netip.MustParseAddrPort("203.0.113.5:4433")},
		}, Public, false, "public address 203.0.113.5"},
		{"home router without a mapping", home{
			addrs:   []IfaceAddr{ifa("eth0", "192.168.1.20")},
			stun:    &reachtest.STUNConfig{Mapped: seenAt},
			gateway: &reachtest.NATPMPConfig{External: routerPublic},
		}, BehindNAT, false, "192.168.1.20"},
		{"home router maps the exit's port", home{
			addrs:   []IfaceAddr{ifa("eth0", "192.168.1.20")},
			stun:    &reachtest.STUNConfig{Mapped: seenAt},
			gateway: &reachtest.NATPMPConfig{External: routerPublic, PortOffset: 1},
			mapPort: 4433,
		}, PortMapped, true, "UDP port 4434"},
		{"router refuses NAT-PMP", home{
			addrs:   []IfaceAddr{ifa("eth0", "192.168.1.20")},
			stun:    &reachtest.STUNConfig{Mapped: seenAt},
			gateway: &reachtest.NATPMPConfig{External: routerPublic, Result: 2},
			mapPort: 4433,
		}, BehindNAT, false, "192.168.1.20"},
		{"carrier-grade NAT on the WAN interface", home{
			addrs: []IfaceAddr{ifa("wwan0", "100.72.3.4")},
		}, BehindCGNAT, false, "100.72.3.4"},
		{"router's own WAN address is carrier-grade NAT", home{
			addrs:   []IfaceAddr{ifa("eth0", "192.168.1.20")},
			gateway: &reachtest.NATPMPConfig{External: netip.MustParseAddr("100.80.1.1")},
			mapPort: 4433,
		}, BehindCGNAT, true, "another NAT"},
		{"STUN sees another address than the router's", home{
			addrs:   []IfaceAddr{ifa("eth0", "192.168.1.20")},
			stun:    &reachtest.STUNConfig{Mapped: netip.MustParseAddrPort("198.51.100.99:61000")},
			gateway: &reachtest.NATPMPConfig{External: routerPublic},
		}, BehindCGNAT, false, "second NAT"},
		{"UDP blocked", home{
			addrs: []IfaceAddr{ifa("eth0", "203.0.113.5")},
			stun:  &reachtest.STUNConfig{Silent: true},
		}, NoUDP, false, "did not answer"},
		{"a VPN's 100.64/10 address on another interface is ignored", home{
			addrs:  []IfaceAddr{ifa("eth0", "192.168.1.20"), ifa("tailscale0", "100.101.102.103")},
			ifaces: []string{"eth0"},
		}, BehindNAT, false, "eth0"},
		{"nothing to go on", home{}, Unknown, false, "no IPv4 address"},
		{"gateway silent", home{
			addrs:   []IfaceAddr{ifa("eth0", "fe80::1"), ifa("lo", "127.0.0.1")},
			gateway: &reachtest.NATPMPConfig{Silent: true},
		}, Unknown, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := tt.home.checker(t)
			r := c.Check(context.Background())
			if r.Code != tt.want {
				t.Fatalf("got %s, want %s; reasons %+v", r.Code, tt.want, r.Reasons)
			}
			if len(r.Reasons) == 0 || r.Reasons[0].Code != r.Code || !strings.Contains(r.Reasons[0].Text, tt.wantInText) {
				t.Errorf("got reasons %+v, want the first to be %s and mention %q", r.Reasons, r.Code, tt.wantInText)
			}
			if (r.Mapping != nil) != tt.wantMapping {
				t.Errorf("got mapping %+v, want one: %v", r.Mapping, tt.wantMapping)
			}
			if got := c.Latest(); got.Code != r.Code || got.At != r.At {
				t.Errorf("got latest %s at %v, want the report just made (%s at %v)", got.Code, got.At, r.Code, r.At)
			}
		})
	}
}

func TestCheckFillsAddresses(t *testing.T) {
	c, gw := home{
		addrs:   []IfaceAddr{ifa("eth0", "192.168.1.20")},
		stun:    &reachtest.STUNConfig{Mapped: seenAt},
		gateway: &reachtest.NATPMPConfig{External: routerPublic},
		mapPort: 4433,
	}.checker(t)
	r := c.Check(context.Background())
	want := Mapping{InternalPort: 4433, ExternalPort: 4433, Lifetime: 2 * time.Hour, Gateway: netip.MustParseAddrPort(gw.Addr()), Protocol: "nat-pmp"}
	if r.Mapping == nil || *r.Mapping != want {
		t.Errorf("got mapping %+v, want %+v", r.Mapping, want)
	}
	if r.MappedAddr != seenAt || r.ExternalAddr != routerPublic || len(r.LocalAddrs) != 1 {
		t.Errorf("got mapped %v external %v local %v, want %v %v and one local address", r.MappedAddr, r.ExternalAddr, r.LocalAddrs, seenAt, routerPublic)
	}
	if got := gw.Mappings()[4433]; got.ExternalPort != 4433 {
		t.Errorf("got router mapping %+v, want external port 4433", got)
	}
}
