package gateway

import (
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// flow is one destination of a UDP association and its tunnel.
type flow struct {
	g    *Gateway
	host string // as the client named it, for the answers' headers
	port uint16
	last atomic.Int64 // unix nanoseconds of the last datagram either way

	mu     sync.Mutex
	conn   net.Conn // nil while the tunnel opens
	queue  [][]byte // datagrams waiting for the tunnel
	closed bool
}

func newFlow(g *Gateway, host string, port uint16) *flow {
	f := &flow{g: g, host: host, port: port}
	f.touch()
	return f
}

func (f *flow) touch() { f.last.Store(time.Now().UnixNano()) }

// run opens the flow's tunnel, sends what queued meanwhile and relays
// answers to the client until the flow ends.
func (a *association) run(f *flow, addr string) {
	defer a.wg.Done()
	ctx, cancel := context.WithTimeout(a.ctx, a.g.cfg.HandshakeTimeout)
	c, err := a.g.dialVia(ctx, "udp", addr, a.session)
	cancel()
	if err != nil {
		a.g.log.Debug("udp associate: flow failed", reason(err))
		a.remove(addr, f)
		return
	}
	if !f.open(c) {
		_ = c.Close()
		return
	}
	defer a.remove(addr, f)
	a.relayAnswers(f, c)
}

// open makes c the flow's tunnel and sends the queued datagrams; it
// reports false when the flow was closed meanwhile.
func (f *flow) open(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.conn = c
	for _, p := range f.queue {
		f.writeLocked(p)
	}
	f.queue = nil
	return true
}

// write sends p, or queues it while the tunnel opens.
func (f *flow) write(p []byte) {
	f.touch()
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.closed:
	case f.conn != nil:
		f.writeLocked(p)
	case len(f.queue) < flowQueue:
		f.queue = append(f.queue, p)
	}
}

func (f *flow) writeLocked(p []byte) {
	if _, err := f.conn.Write(p); err == nil {
		f.g.counter.AddUp(int64(len(p)))
	}
}

// relayAnswers reads datagrams from the tunnel and sends them to the
// client with a SOCKS5 header, until the tunnel ends or the flow idles.
func (a *association) relayAnswers(f *flow, c net.Conn) {
	const room = 4 + 1 + 255 + 2 // the longest header
	buf := make([]byte, room+maxDatagram)
	for {
		_ = c.SetReadDeadline(time.Now().Add(flowIdle))
		n, err := c.Read(buf[room:])
		if errors.Is(err, os.ErrDeadlineExceeded) && time.Since(time.Unix(0, f.last.Load())) < flowIdle {
			continue
		}
		if err != nil {
			return
		}
		f.touch()
		f.g.counter.AddDown(int64(n))
		pkt := appendUDPHeader(make([]byte, 0, room+n), f.host, f.port)
		pkt = append(pkt, buf[room:room+n]...)
		_, _ = a.pc.WriteToUDPAddrPort(pkt, a.clientAddr())
	}
}

// close ends the flow's tunnel; it is idempotent.
func (f *flow) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	f.closed = true
	f.queue = nil
	if f.conn != nil {
		_ = f.conn.Close()
	}
}
