package reach

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sparelink/sparelink/agent/reach/reachtest"
)

// TestPCPMapping checks which protocol maps the exit's port: PCP when
// the gateway speaks it, NAT-PMP when it only speaks that or refuses PCP,
// and that the mapping is deleted with the protocol that made it.
func TestPCPMapping(t *testing.T) {
	cases := []struct {
		name       string
		gateway    reachtest.NATPMPConfig
		wantProto  string
		wantReason string // in the report's reasons
	}{
		{"gateway speaks PCP", reachtest.NATPMPConfig{External: routerPublic, PCP: true}, "pcp", "(pcp)"},
		{"gateway speaks NAT-PMP only", reachtest.NATPMPConfig{External: routerPublic}, "nat-pmp", "(nat-pmp)"},
		{"gateway refuses PCP", reachtest.NATPMPConfig{External: routerPublic, PCP: true, PCPResult: 2}, "nat-pmp", "no PCP port mapping from the gateway: PCP: not authorized"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, gw := home{addrs: []IfaceAddr{ifa("eth0", "192.168.1.20")}, gateway: &tc.gateway, mapPort: 4433}.checker(t)
			r := c.Check(context.Background())
			if r.Code != PortMapped || r.Mapping == nil || r.Mapping.Protocol != tc.wantProto || r.ExternalAddr != routerPublic {
				t.Fatalf("got %s, mapping %+v, external %v; want port_mapped over %s from %v", r.Code, r.Mapping, r.ExternalAddr, tc.wantProto, routerPublic)
			}
			if !hasReason(r, tc.wantReason) {
				t.Errorf("reasons %+v lack %q", r.Reasons, tc.wantReason)
			}
			if _, ok := gw.Mappings()[4433]; !ok {
				t.Fatalf("gateway holds %v, want a mapping of port 4433", gw.Mappings())
			}
			c.unmap() // as Run does when it stops
			if m := gw.Mappings(); len(m) != 0 {
				t.Errorf("after Run: gateway holds %v, want the mapping deleted", m)
			}
		})
	}
}

func hasReason(r Report, sub string) bool {
	for _, why := range r.Reasons {
		if strings.Contains(why.Text, sub) {
			return true
		}
	}
	return false
}

func TestParsePCPMapReply(t *testing.T) {
	nonce := [12]byte{1, 2, 3}
	ok := pcpMapRequest(netip.MustParseAddr("192.168.1.20"), nonce, 4433, 4433, time.Hour)
	ok[1] |= pcpResponseBit
	ok[24+18], ok[24+19] = 0x11, 0x51 // external port 4433
	ext := routerPublic.As16()
	copy(ok[24+20:], ext[:])
	refused := append([]byte(nil), ok[:24]...)
	refused[3] = 2
	cases := []struct {
		name    string
		in      []byte
		want    PCPMapReply
		wantErr error
	}{
		{"mapping", ok, PCPMapReply{Nonce: nonce, InternalPort: 4433, ExternalPort: 4433, External: routerPublic}, nil},
		{"refusal", refused, PCPMapReply{Result: 2}, nil},
		{"NAT-PMP unsupported version", []byte{0, 129, 0, 1, 0, 0, 0, 0}, PCPMapReply{}, errPCPUnsupported},
		{"a request", pcpMapRequest(netip.MustParseAddr("10.0.0.2"), nonce, 1, 1, 0), PCPMapReply{}, ErrMalformed},
		{"short", []byte{2, 129, 0}, PCPMapReply{}, ErrMalformed},
		{"success without a mapping", ok[:30], PCPMapReply{}, ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePCPMapReply(tc.in)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("got %+v, %v; want %v", got, err, tc.wantErr)
				}
				return
			}
			got.Lifetime, got.Epoch = 0, 0
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}
