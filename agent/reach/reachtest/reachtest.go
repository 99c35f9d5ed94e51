// Package reachtest provides the network services that agent/reach talks
// to, for tests: a STUN server and a NAT-PMP gateway, each on a loopback
// UDP socket, whose answers the test chooses so that a home NAT, a
// carrier-grade NAT or a blocked network can be played on one machine.
package reachtest

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
)

// server is the UDP loop both services share.
type server struct {
	conn     *net.UDPConn
	requests atomic.Int64
	wg       sync.WaitGroup
}

// listen binds 127.0.0.1:0 and answers each datagram with what reply
// returns (nothing when it returns nil) until the test ends.
func listen(tb testing.TB, reply func(req []byte, from netip.AddrPort) []byte) *server {
	tb.Helper()
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		tb.Fatalf("reachtest: listen: %v", err)
	}
	s := &server{conn: conn}
	s.wg.Add(1)
	go s.serve(reply)
	tb.Cleanup(func() {
		conn.Close()
		s.wg.Wait()
	})
	return s
}

func (s *server) serve(reply func([]byte, netip.AddrPort) []byte) {
	defer s.wg.Done()
	buf := make([]byte, 1500)
	for {
		n, from, err := s.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		s.requests.Add(1)
		if out := reply(buf[:n], from); out != nil {
			_, _ = s.conn.WriteToUDPAddrPort(out, from)
		}
	}
}

// Addr is the server's "127.0.0.1:port".
func (s *server) Addr() string { return s.conn.LocalAddr().String() }

// Requests is how many datagrams the server received.
func (s *server) Requests() int64 { return s.requests.Load() }
