package reach

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/agent/reach/reachtest"
	"github.com/sparelink/sparelink/broker"
)

func TestNATBehavior(t *testing.T) {
	log := zaptest.NewLogger(t)
	rfc5780, err := broker.ListenSTUN(broker.STUNConfig{Listen: "127.0.0.1:0", AltListen: "127.0.0.1:0"}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rfc5780.Close() })
	addrs := rfc5780.Addrs()
	plainA := reachtest.NewSTUNServer(t, reachtest.STUNConfig{})
	plainB := reachtest.NewSTUNServer(t, reachtest.STUNConfig{})
	symA := reachtest.NewSTUNServer(t, reachtest.STUNConfig{Mapped: netip.MustParseAddrPort("203.0.113.5:40001")})
	symB := reachtest.NewSTUNServer(t, reachtest.STUNConfig{Mapped: netip.MustParseAddrPort("203.0.113.5:40002")})
	silent := reachtest.NewSTUNServer(t, reachtest.STUNConfig{Silent: true})
	cases := []struct {
		name         string
		primary, alt string
		want         Behavior
		wantErr      bool
	}{
		{"no NAT, server answers change requests", addrs[0].String(), addrs[1].String(), Behavior{EndpointIndependent, EndpointIndependent}, false},
		{"server ignores change requests", plainA.Addr(), plainB.Addr(), Behavior{EndpointIndependent, BehaviorUnknown}, false},
		{"new mapping per destination", symA.Addr(), symB.Addr(), Behavior{AddressDependent, BehaviorUnknown}, false},
		{"second server silent", plainA.Addr(), silent.Addr(), Behavior{BehaviorUnknown, BehaviorUnknown}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := natBehavior(context.Background(), tc.primary, tc.alt, 600*time.Millisecond)
			if (err != nil) != tc.wantErr || got.Mapping != tc.want.Mapping || (!tc.wantErr && got.Filtering != tc.want.Filtering) {
				t.Errorf("got %+v, err %v; want %+v, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// TestCheckReportsNATBehavior runs a whole check against the broker's
// STUN server: the report keeps the behaviour and explains it when a NAT
// translates, and keeps quiet about it for a public address.
func TestCheckReportsNATBehavior(t *testing.T) {
	srv, err := broker.ListenSTUN(broker.STUNConfig{Listen: "127.0.0.1:0", AltListen: "127.0.0.1:0"}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	cases := []struct {
		name        string
		iface       netip.Addr
		wantCode    Code
		wantReasons int // about the NAT's behaviour
	}{
		{"behind a home router", netip.MustParseAddr("192.168.1.20"), BehindNAT, 2},
		{"the STUN server sees our own address", netip.MustParseAddr("127.0.0.1"), Public, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := New(Config{STUNServer: srv.Addrs()[0].String(), STUNAltServer: srv.Addrs()[1].String(),
				DisablePortMapping: true, Timeout: time.Second,
				Addrs: func() ([]IfaceAddr, error) { return []IfaceAddr{{Iface: "eth0", Addr: tc.iface}}, nil }},
				zaptest.NewLogger(t))
			r := c.Check(context.Background())
			n := 0
			for _, why := range r.Reasons {
				if why.Code == r.Code && (strings.Contains(why.Text, "mapping") || strings.Contains(why.Text, "filtering")) {
					n++
				}
			}
			if r.Code != tc.wantCode || r.NAT == nil || r.NAT.Mapping != EndpointIndependent || n != tc.wantReasons {
				t.Errorf("got code %s, NAT %+v, %d behaviour reasons (%+v); want %s, endpoint-independent, %d",
					r.Code, r.NAT, n, r.Reasons, tc.wantCode, tc.wantReasons)
			}
		})
	}
}
