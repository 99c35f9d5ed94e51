package reach

import (
	"context"
	"errors"
	"net/netip"
	"net/url"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/agent/reach/reachtest"
)

// TestUPnPMapping plays a router that ignores PCP and NAT-PMP but speaks
// UPnP: the exit's port is mapped over UPnP, and deleted with it.
func TestUPnPMapping(t *testing.T) {
	cases := []struct {
		name       string
		igd        reachtest.IGDConfig
		wantCode   Code
		wantReason string
	}{
		{"router maps over UPnP", reachtest.IGDConfig{External: routerPublic}, PortMapped, "(upnp)"},
		{"router refuses the mapping", reachtest.IGDConfig{External: routerPublic, Refuse: true}, BehindNAT, "error 718 ConflictInMappingEntry"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pmp := reachtest.NewNATPMPServer(t, reachtest.NATPMPConfig{Silent: true})
			igd := reachtest.NewIGDServer(t, tc.igd)
			c := New(Config{MapPort: 4433, Timeout: 300 * time.Millisecond, Gateway: pmp.Addr(), SSDPAddr: igd.SSDPAddr(),
				Addrs: func() ([]IfaceAddr, error) { return []IfaceAddr{ifa("eth0", "192.168.1.20")}, nil }}, zaptest.NewLogger(t))
			r := c.Check(context.Background())
			if r.Code != tc.wantCode || !hasReason(r, tc.wantReason) {
				t.Fatalf("got %s with reasons %+v; want %s and a reason with %q", r.Code, r.Reasons, tc.wantCode, tc.wantReason)
			}
			if tc.wantCode != PortMapped {
				return
			}
			m, ok := igd.Mappings()[4433]
			if !ok || m.InternalPort != 4433 || m.InternalClient != "127.0.0.1" || r.ExternalAddr != routerPublic || r.Mapping.Protocol != "upnp" {
				t.Fatalf("gateway holds %+v, report %+v; want 4433 to 127.0.0.1:4433 over upnp from %v", igd.Mappings(), r.Mapping, routerPublic)
			}
			c.unmap()
			if got := igd.Mappings(); len(got) != 0 {
				t.Errorf("after unmap: gateway holds %+v, want nothing", got)
			}
		})
	}
}

func TestParseSSDPResponse(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		want    string
		wantErr bool
	}{
		{"gateway", "HTTP/1.1 200 OK\r\nST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\nLOCATION: http://192.168.1.1:5000/rootDesc.xml\r\n\r\n", "http://192.168.1.1:5000/rootDesc.xml", false},
		{"a printer", "HTTP/1.1 200 OK\r\nST: urn:schemas-upnp-org:device:Printer:1\r\nLOCATION: http://192.168.1.9/d.xml\r\n\r\n", "", true},
		{"https location", "HTTP/1.1 200 OK\r\nST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\nLOCATION: https://192.168.1.1/d.xml\r\n\r\n", "", true},
		{"not HTTP", "NOTIFY", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSSDPResponse([]byte(tc.in))
			if tc.wantErr {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("got %v, %v; want ErrMalformed", got, err)
				}
				return
			}
			if err != nil || got.String() != tc.want {
				t.Fatalf("got %v, %v; want %s", got, err, tc.want)
			}
		})
	}
}

func TestParseIGDDescription(t *testing.T) {
	loc, _ := url.Parse("http://192.168.1.1:5000/rootDesc.xml")
	svc := func(typ, ctl string) string {
		return `<root><device><deviceList><device><serviceList><service><serviceType>` + typ +
			`</serviceType><controlURL>` + ctl + `</controlURL></service></serviceList></device></deviceList></device></root>`
	}
	cases := []struct {
		name     string
		in       string
		wantType string
		wantURL  string
		wantErr  bool
	}{
		{"nested WANIPConnection", svc("urn:schemas-upnp-org:service:WANIPConnection:1", "/ctl/IPConn"), "urn:schemas-upnp-org:service:WANIPConnection:1", "http://192.168.1.1:5000/ctl/IPConn", false},
		{"PPP connection", svc("urn:schemas-upnp-org:service:WANPPPConnection:1", "ctl/PPP"), "urn:schemas-upnp-org:service:WANPPPConnection:1", "http://192.168.1.1:5000/ctl/PPP", false},
		{"control URL on another host", svc("urn:schemas-upnp-org:service:WANIPConnection:1", "http://203.0.113.1/ctl"), "", "", true},
		{"no WAN service", svc("urn:schemas-upnp-org:service:Layer3Forwarding:1", "/l3f"), "", "", true},
		{"not XML", "{}", "", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			typ, ctl, err := ParseIGDDescription([]byte(tc.in), loc)
			if tc.wantErr {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("got %s %v, %v; want ErrMalformed", typ, ctl, err)
				}
				return
			}
			if err != nil || typ != tc.wantType || ctl.String() != tc.wantURL {
				t.Fatalf("got %s %v, %v; want %s %s", typ, ctl, err, tc.wantType, tc.wantURL)
			}
		})
	}
}

func TestParseExternalIP(t *testing.T) {
	ok := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><u:GetExternalIPAddressResponse xmlns:u="x"><NewExternalIPAddress>198.51.100.7</NewExternalIPAddress></u:GetExternalIPAddressResponse></s:Body></s:Envelope>`
	cases := []struct {
		name    string
		in      string
		want    netip.Addr
		wantErr bool
	}{
		{"address", ok, routerPublic, false},
		{"empty address", `<Envelope><Body><GetExternalIPAddressResponse><NewExternalIPAddress></NewExternalIPAddress></GetExternalIPAddressResponse></Body></Envelope>`, netip.Addr{}, true},
		{"not XML", "198.51.100.7", netip.Addr{}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseExternalIP([]byte(tc.in))
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("got %v, %v; want %v, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}
