package forward_test

import (
	"bytes"
	"net"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/relay/forward"
)

func udpSock(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestRegistration sends registrations from a raw socket and checks
// whether the relay then forwards a buyer's packet to that socket.
func TestRegistration(t *testing.T) {
	key, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	other, _ := identity.Generate()
	now := time.Now()
	tamper := func(b []byte) []byte { b[len(b)-1] ^= 1; return b }
	cases := []struct {
		name             string
		packet           []byte
		wantAck, wantFwd bool
	}{
		{"fresh and signed", forward.AppendRegister(nil, key.Private, now), true, true},
		{"bad signature", tamper(forward.AppendRegister(nil, key.Private, now)), false, false},
		{"an hour old", forward.AppendRegister(nil, key.Private, now.Add(-time.Hour)), false, false},
		{"an hour ahead", forward.AppendRegister(nil, key.Private, now.Add(time.Hour)), false, false},
		{"another node's key registers that node only", forward.AppendRegister(nil, other.Private, now), true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := forward.Listen(forward.ServerConfig{}, zaptest.NewLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			node, buyer := udpSock(t), udpSock(t)
			relay := net.UDPAddrFromAddrPort(srv.Addr())
			node.WriteTo(tc.packet, relay)
			acked := readWithin(node, 300*time.Millisecond) != nil
			buyer.WriteTo(forward.AppendToNode(nil, key.NodeID(), []byte("hello")), relay)
			got := readWithin(node, 300*time.Millisecond)
			forwarded := got != nil && bytes.HasSuffix(got, []byte("hello"))
			if acked != tc.wantAck || forwarded != tc.wantFwd {
				t.Errorf("got acked %v, forwarded %v; want %v, %v", acked, forwarded, tc.wantAck, tc.wantFwd)
			}
		})
	}
}

// TestReplayFromElsewhereIsRefused replays a node's registration from
// another socket: the relay must keep forwarding to the first.
func TestReplayFromElsewhereIsRefused(t *testing.T) {
	key, _ := identity.Generate()
	srv, err := forward.Listen(forward.ServerConfig{}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	relay := net.UDPAddrFromAddrPort(srv.Addr())
	node, thief, buyer := udpSock(t), udpSock(t), udpSock(t)
	reg := forward.AppendRegister(nil, key.Private, time.Now())
	node.WriteTo(reg, relay)
	readWithin(node, time.Second)
	thief.WriteTo(reg, relay)
	if got := readWithin(thief, 300*time.Millisecond); got != nil {
		t.Errorf("replayed registration: got an acknowledgement %x, want none", got)
	}
	buyer.WriteTo(forward.AppendToNode(nil, key.NodeID(), []byte("x")), relay)
	if got := readWithin(node, time.Second); got == nil {
		t.Errorf("after the replay: got nothing at the node, want the buyer's packet")
	}
}

func readWithin(c *net.UDPConn, d time.Duration) []byte {
	c.SetReadDeadline(time.Now().Add(d))
	b := make([]byte, 2048)
	n, _, err := c.ReadFrom(b)
	if err != nil {
		return nil
	}
	return b[:n]
}
