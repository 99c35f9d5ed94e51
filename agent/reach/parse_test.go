package reach

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pion/stun/v4"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		addr string
		want kind
	}{
		{"8.8.8.8", kindPublic},
		{"203.0.113.5", kindPublic},
		{"100.64.0.1", kindCGNAT},
		{"100.127.255.254", kindCGNAT},
		{"100.128.0.1", kindPublic},
		{"10.1.2.3", kindPrivate},
		{"172.16.0.1", kindPrivate},
		{"192.168.0.1", kindPrivate},
		{"127.0.0.1", kindOther},
		{"169.254.1.1", kindOther},
		{"0.1.2.3", kindOther},
		{"198.18.0.1", kindOther},
		{"255.255.255.255", kindOther},
		{"2001:db8::1", kindOther},
		{"::ffff:100.64.0.1", kindCGNAT},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			if got := classify(netip.MustParseAddr(tt.addr)); got != tt.want {
				t.Errorf("classify(%s) = %d, want %d", tt.addr, got, tt.want)
			}
		})
	}
}

const routeHeader = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"

func TestParseRoutes(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		want    string
		wantErr error
	}{
		{"default via 192.168.1.1", routeHeader +
			"eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n" +
			"eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n", "192.168.1.1", nil},
		{"no default route", routeHeader +
			"eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n", "", ErrNoGateway},
		{"default route that is down", routeHeader +
			"eth0\t00000000\t0101A8C0\t0002\t0\t0\t100\t00000000\t0\t0\t0\n", "", ErrNoGateway},
		{"default route without a gateway", routeHeader +
			"ppp0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n", "", ErrNoGateway},
		{"garbage", "not a route file\n\x00\x01", "", ErrNoGateway},
		{"header only is skipped", "eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\n", "", ErrNoGateway},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRoutes(strings.NewReader(tt.text))
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && got.String() != tt.want) {
				t.Errorf("got %v, %v; want %s, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestParsePMPReply(t *testing.T) {
	tests := []struct {
		name    string
		b       []byte
		op      byte
		want    PMPReply
		wantErr bool
	}{
		{"external address", []byte{0, 128, 0, 0, 0, 0, 0, 9, 198, 51, 100, 7}, 0,
			PMPReply{Op: 0, Epoch: 9, External: netip.MustParseAddr("198.51.100.7")}, false},
		{"mapping", []byte{0, 129, 0, 0, 0, 0, 0, 1, 0x11, 0x51, 0x11, 0x52, 0, 0, 0x1c, 0x20}, 1,
			PMPReply{Op: 1, Epoch: 1, InternalPort: 4433, ExternalPort: 4434, Lifetime: 2 * time.Hour}, false},
		{"refused", []byte{0, 129, 0, 2, 0, 0, 0, 1, 0x11, 0x51, 0, 0, 0, 0, 0, 0}, 1,
			PMPReply{Op: 1, Result: 2, Epoch: 1}, false},
		{"reply to another opcode", []byte{0, 129, 0, 0, 0, 0, 0, 1, 0x11, 0x51, 0x11, 0x52, 0, 0, 0x1c, 0x20}, 0, PMPReply{}, true},
		{"short", []byte{0, 128, 0, 0, 0, 0}, 0, PMPReply{}, true},
		{"wrong version", []byte{1, 128, 0, 0, 0, 0, 0, 9, 198, 51, 100, 7}, 0, PMPReply{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePMPReply(tt.b, tt.op)
			if (err != nil) != tt.wantErr || (err == nil && got != tt.want) {
				t.Errorf("got %+v, %v; want %+v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestParseBindingResponse(t *testing.T) {
	tid := stun.NewTransactionID()
	mapped := netip.MustParseAddrPort("198.51.100.7:50000")
	build := func(setters ...stun.Setter) []byte {
		t.Helper()
		m, err := stun.Build(setters...)
		if err != nil {
			t.Fatalf("build: %v", err)
		}
		return m.Raw
	}
	xor := &stun.XORMappedAddress{IP: mapped.Addr().AsSlice(), Port: int(mapped.Port())}
	plain := &stun.MappedAddress{IP: mapped.Addr().AsSlice(), Port: int(mapped.Port())}
	tests := []struct {
		name    string
		b       []byte
		wantErr bool
	}{
		{"xor-mapped", build(stun.NewTransactionIDSetter(tid), stun.BindingSuccess, xor, stun.Fingerprint), false},
		{"old server", build(stun.NewTransactionIDSetter(tid), stun.BindingSuccess, plain), false},
		{"other transaction", build(stun.TransactionID, stun.BindingSuccess, xor), true},
		{"error response", build(stun.NewTransactionIDSetter(tid), stun.BindingError), true},
		{"no address", build(stun.NewTransactionIDSetter(tid), stun.BindingSuccess), true},
		{"not STUN", []byte("hello, world"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBindingResponse(tt.b, tid)
			if (err != nil) != tt.wantErr || (err == nil && got != mapped) {
				t.Errorf("got %v, %v; want %v, error %v", got, err, mapped, tt.wantErr)
			}
		})
	}
}
