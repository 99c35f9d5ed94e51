// Package exitdialtest holds test tools for code that dials exits: a UDP
// path in front of an exit that a test can cut, so that the exit vanishes
// the way a real one does when its link goes down, without the QUIC
// CONNECTION_CLOSE a clean shutdown sends. It is for tests and the
// failover benchmark only.
package exitdialtest

import (
	"fmt"
	"net"
	"sync"
	"testing"
)

// Path forwards UDP datagrams between clients and one exit. Clients dial
// Addr instead of the exit's address. Cut closes its socket: from then on
// every packet either way is lost.
type Path struct {
	Addr string

	conn  *net.UDPConn
	exit  *net.UDPAddr
	mu    sync.Mutex
	peers map[string]*net.UDPConn // client address → socket towards the exit
	wg    sync.WaitGroup
	once  sync.Once
}

// NewPath starts a path on 127.0.0.1 to the exit at exitAddr; it is cut
// when the test ends.
func NewPath(t testing.TB, exitAddr string) *Path {
	t.Helper()
	p, err := StartPath(exitAddr)
	if err != nil {
		t.Fatalf("exitdialtest: %v", err)
	}
	t.Cleanup(p.Cut)
	return p
}

// StartPath starts a path on 127.0.0.1 to the exit at exitAddr. Cut it
// when done.
func StartPath(exitAddr string) (*Path, error) {
	exit, err := net.ResolveUDPAddr("udp", exitAddr)
	if err != nil {
		return nil, fmt.Errorf("path to %s: %w", exitAddr, err)
	}
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, fmt.Errorf("path to %s: %w", exitAddr, err)
	}
	p := &Path{Addr: conn.LocalAddr().String(), conn: conn, exit: exit, peers: map[string]*net.UDPConn{}}
	p.wg.Add(1)
	go p.fromClients()
	return p, nil
}

// fromClients forwards every client datagram to the exit, each client
// through its own socket so that the exit's answers find their way back.
func (p *Path) fromClients() {
	defer p.wg.Done()
	buf := make([]byte, 64<<10)
	for {
		n, from, err := p.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		up := p.upstream(from)
		if up == nil {
			return
		}
		_, _ = up.Write(buf[:n])
	}
}

// upstream returns the socket towards the exit for client, opening it on
// first use; nil once the path is cut.
func (p *Path) upstream(client *net.UDPAddr) *net.UDPConn {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.peers == nil {
		return nil
	}
	if up, ok := p.peers[client.String()]; ok {
		return up
	}
	up, err := net.DialUDP("udp", nil, p.exit)
	if err != nil {
		return nil
	}
	p.peers[client.String()] = up
	p.wg.Add(1)
	go p.toClient(up, client)
	return up
}

// toClient forwards the exit's datagrams on up back to client.
func (p *Path) toClient(up *net.UDPConn, client *net.UDPAddr) {
	defer p.wg.Done()
	buf := make([]byte, 64<<10)
	for {
		n, err := up.Read(buf)
		if err != nil {
			return
		}
		_, _ = p.conn.WriteToUDP(buf[:n], client)
	}
}

// Cut closes the path's sockets and waits for its goroutines: packets
// already sent are lost, and nothing tells either side. It is idempotent.
func (p *Path) Cut() {
	p.once.Do(func() {
		p.mu.Lock()
		peers := p.peers
		p.peers = nil
		p.mu.Unlock()
		_ = p.conn.Close()
		for _, up := range peers {
			_ = up.Close()
		}
		p.wg.Wait()
	})
}
