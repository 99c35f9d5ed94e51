package gateway

import (
	"context"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Limits of one UDP association.
const (
	// maxFlows bounds the destinations of one association; a new one
	// beyond it replaces the least recently used.
	maxFlows = 64
	// flowIdle ends a flow without traffic either way for that long.
	flowIdle = 2 * time.Minute
	// flowQueue bounds the datagrams held while a flow's tunnel opens;
	// later ones are dropped, as UDP allows.
	flowQueue = 8
	// maxDatagram bounds a datagram read from a client or a flow.
	maxDatagram = 16 << 10
)

// association is one SOCKS5 UDP ASSOCIATE (RFC 1928 §7): a UDP socket on
// the gateway's address that relays the client's datagrams, each through
// a flow to its destination, for as long as the control connection lasts.
type association struct {
	g        *Gateway
	pc       *net.UDPConn
	session  string
	clientIP netip.Addr
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup

	mu     sync.Mutex
	client netip.AddrPort // where datagrams come from; port 0 until known
	flows  map[string]*flow
	closed bool
}

// serveAssociation runs a UDP ASSOCIATE request until the client closes
// the control connection c.
func (g *Gateway) serveAssociation(c net.Conn, req socksRequest, session string) {
	local, err1 := netip.ParseAddrPort(c.LocalAddr().String())
	peer, err2 := netip.ParseAddrPort(c.RemoteAddr().String())
	var pc *net.UDPConn
	err := err1
	if err == nil {
		err = err2
	}
	if err == nil {
		pc, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(local.Addr(), 0)))
	}
	if err != nil {
		_ = writeReply(c, repGeneralFailure)
		g.log.Warn("udp associate: cannot open a socket", zap.Error(err))
		return
	}
	a := g.newAssociation(pc, peer.Addr().Unmap(), session)
	if port := req.port; port != 0 {
		a.client = netip.AddrPortFrom(a.clientIP, port)
	}
	bound := netip.MustParseAddrPort(pc.LocalAddr().String())
	defer a.close()
	if _, err := c.Write(appendBoundReply(nil, repSucceeded, bound)); err != nil {
		return
	}
	_ = c.SetDeadline(time.Time{})
	a.wg.Add(1)
	go a.readClient()
	// RFC 1928: the association ends when its TCP connection does.
	_, _ = io.Copy(io.Discard, c)
}

func (g *Gateway) newAssociation(pc *net.UDPConn, clientIP netip.Addr, session string) *association {
	a := &association{g: g, pc: pc, session: session, clientIP: clientIP, flows: make(map[string]*flow)}
	a.ctx, a.cancel = context.WithCancel(g.ctx)
	return a
}

// readClient relays the client's datagrams until the socket closes.
func (a *association) readClient() {
	defer a.wg.Done()
	buf := make([]byte, maxDatagram)
	for {
		n, from, err := a.pc.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		if !a.fromClient(from) {
			continue // RFC 1928: drop datagrams from anyone else
		}
		d, err := parseUDPDatagram(buf[:n])
		if err != nil {
			a.g.log.Debug("udp associate: dropped datagram", reason(err))
			continue
		}
		a.send(d)
	}
}

// fromClient reports whether a datagram from src belongs to the client,
// learning the client's port from its first datagram.
func (a *association) fromClient(src netip.AddrPort) bool {
	src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
	a.mu.Lock()
	defer a.mu.Unlock()
	if src.Addr() != a.clientIP {
		return false
	}
	if a.client.Port() == 0 {
		a.client = src
	}
	return src == a.client
}

func (a *association) clientAddr() netip.AddrPort {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.client
}

// send hands one datagram to the flow of its destination.
func (a *association) send(d udpDatagram) {
	addr, err := a.g.target(d.host, d.port)
	if err != nil {
		a.g.log.Debug("udp associate: refused destination", reason(err))
		return
	}
	if f := a.flow(addr, d); f != nil {
		f.write(append([]byte(nil), d.payload...))
	}
}

// flow returns the flow to addr, opening one when there is none.
func (a *association) flow(addr string, d udpDatagram) *flow {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil
	}
	if f, ok := a.flows[addr]; ok {
		return f
	}
	if len(a.flows) >= maxFlows {
		a.evictLocked()
	}
	f := newFlow(a.g, d.host, d.port)
	a.flows[addr] = f
	a.wg.Add(1)
	go a.run(f, addr)
	return f
}

// evictLocked closes the least recently used flow.
func (a *association) evictLocked() {
	var lru string
	var oldest int64
	for k, f := range a.flows {
		if t := f.last.Load(); lru == "" || t < oldest {
			lru, oldest = k, t
		}
	}
	if f := a.flows[lru]; f != nil {
		delete(a.flows, lru)
		f.close()
	}
}

func (a *association) remove(addr string, f *flow) {
	a.mu.Lock()
	if a.flows[addr] == f {
		delete(a.flows, addr)
	}
	a.mu.Unlock()
	f.close()
}

// close ends the association and waits for its goroutines.
func (a *association) close() {
	a.mu.Lock()
	a.closed = true
	flows := a.flows
	a.flows = nil
	a.mu.Unlock()
	a.cancel()
	_ = a.pc.Close()
	for _, f := range flows {
		f.close()
	}
	a.wg.Wait()
}
