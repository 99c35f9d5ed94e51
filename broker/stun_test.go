package broker_test

import (
	"encoding/binary"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/pion/stun/v4"
	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker"
)

// stunRequest builds a binding request, with CHANGE-REQUEST flags when
// change is not zero.
func stunRequest(t testing.TB, change uint32) *stun.Message {
	t.Helper()
	setters := []stun.Setter{stun.TransactionID, stun.BindingRequest}
	if change != 0 {
		v := binary.BigEndian.AppendUint32(nil, change)
		setters = append(setters, stun.RawAttribute{Type: 0x0003, Value: v})
	}
	m, err := stun.Build(append(setters, stun.Fingerprint)...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSTUNServer(t *testing.T) {
	srv, err := broker.ListenSTUN(broker.STUNConfig{Listen: "127.0.0.1:0", AltListen: "127.0.0.1:0"}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	addrs := srv.Addrs()
	cases := []struct {
		name     string
		to       int
		change   uint32
		wantFrom int // -1: no answer
	}{
		{"plain binding to the primary", 0, 0, 0},
		{"plain binding to the alternate", 1, 0, 1},
		{"change port", 0, 0x2, 1},
		{"change address and port from the alternate", 1, 0x6, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			req := stunRequest(t, tc.change)
			c.WriteToUDPAddrPort(req.Raw, addrs[tc.to])
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			buf := make([]byte, 1500)
			n, from, err := c.ReadFromUDPAddrPort(buf)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			m := &stun.Message{Raw: buf[:n]}
			var xor stun.XORMappedAddress
			if err := m.Decode(); err != nil || xor.GetFrom(m) != nil {
				t.Fatalf("answer does not decode: %v", err)
			}
			local := c.LocalAddr().(*net.UDPAddr).AddrPort()
			if from != addrs[tc.wantFrom] || xor.Port != int(local.Port()) || m.TransactionID != req.TransactionID {
				t.Errorf("got answer from %v mapping port %d, want from %v mapping port %d", from, xor.Port, addrs[tc.wantFrom], local.Port())
			}
			if _, err := m.Get(0x802C); err != nil {
				t.Errorf("answer has no OTHER-ADDRESS: %v", err)
			}
		})
	}
}

func TestParseSTUNRequest(t *testing.T) {
	resp, _ := stun.Build(stun.TransactionID, stun.BindingSuccess)
	bad := stunRequest(t, 0)
	bad.Add(0x0003, []byte{1, 2})
	cases := []struct {
		name       string
		in         []byte
		wantChange bool
		wantErr    bool
	}{
		{"binding", stunRequest(t, 0).Raw, false, false},
		{"binding with change port", stunRequest(t, 0x2).Raw, true, false},
		{"binding with unknown change flags only", stunRequest(t, 0x1).Raw, false, false},
		{"a response", resp.Raw, false, true},
		{"short CHANGE-REQUEST", bad.Raw, false, true},
		{"not STUN", []byte("GET / HTTP/1.1\r\n"), false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := broker.ParseSTUNRequest(tc.in)
			if tc.wantErr {
				if !errors.Is(err, broker.ErrNotBinding) {
					t.Fatalf("got %+v, %v; want ErrNotBinding", got, err)
				}
				return
			}
			if err != nil || got.Change != tc.wantChange {
				t.Fatalf("got %+v, %v; want change %v", got, err, tc.wantChange)
			}
		})
	}
}

func FuzzParseSTUNRequest(f *testing.F) {
	f.Add(stunRequest(f, 0).Raw)
	f.Add(stunRequest(f, 0x6).Raw)
	f.Add([]byte{0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := broker.ParseSTUNRequest(b)
		if err != nil {
			if !errors.Is(err, broker.ErrNotBinding) {
				t.Fatalf("error %v does not wrap ErrNotBinding", err)
			}
			return
		}
		m := &stun.Message{Raw: b}
		if m.Decode() != nil || m.Type != stun.BindingRequest || m.TransactionID != req.TransactionID {
			t.Fatalf("accepted %x, which is not this binding request", b)
		}
	})
}
