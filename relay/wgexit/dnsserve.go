package wgexit

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
)

const (
	// maxDNSQueries bounds the queries and TCP connections served at once.
	maxDNSQueries = 64
	// dnsTimeout bounds one lookup and a TCP connection's idle time.
	dnsTimeout = 10 * time.Second
	// maxDNSMessage is the largest UDP query read.
	maxDNSMessage = 1232
)

// dnsServer answers DNS from peers, over UDP and TCP on port 53 of the
// exit's own tunnel addresses.
type dnsServer struct {
	e       *Exit
	closers []io.Closer
	sem     chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// startDNS listens on both of the exit's addresses.
func (e *Exit) startDNS() (*dnsServer, error) {
	d := &dnsServer{e: e, sem: make(chan struct{}, maxDNSQueries)}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	own := e.pool.own()
	for _, a := range []netip.Addr{own.IPv4, own.IPv6} {
		fa := tcpip.FullAddress{NIC: nicID, Addr: tcpip.AddrFromSlice(a.AsSlice()), Port: 53}
		uc, err := gonet.DialUDP(e.stack, &fa, nil, protocolOf(a))
		if err != nil {
			d.close()
			return nil, fmt.Errorf("wgexit: dns on udp %s: %w", a, err)
		}
		d.closers = append(d.closers, uc)
		ln, err := gonet.ListenTCP(e.stack, fa, protocolOf(a))
		if err != nil {
			d.close()
			return nil, fmt.Errorf("wgexit: dns on tcp %s: %w", a, err)
		}
		d.closers = append(d.closers, ln)
		d.wg.Add(2)
		go d.serveUDP(uc)
		go d.serveTCP(ln)
	}
	return d, nil
}

// close stops serving and waits for the server's goroutines.
func (d *dnsServer) close() {
	d.cancel()
	for _, c := range d.closers {
		_ = c.Close()
	}
	d.wg.Wait()
}

// acquire takes a slot for one query or connection, or fails at once.
func (d *dnsServer) acquire() bool {
	select {
	case d.sem <- struct{}{}:
		d.wg.Add(1)
		return true
	default:
		return false
	}
}

func (d *dnsServer) release() { <-d.sem; d.wg.Done() }

// answer serves one query from src; queries from no peer get nothing.
func (d *dnsServer) answer(src netip.Addr, query []byte) []byte {
	if d.e.leaseOf(src) == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(d.ctx, dnsTimeout)
	defer cancel()
	return answerDNS(ctx, d.e.cfg.Egress.Resolve, query)
}

// serveUDP answers each datagram on its own goroutine, dropping queries
// beyond maxDNSQueries.
func (d *dnsServer) serveUDP(c *gonet.UDPConn) {
	defer d.wg.Done()
	for {
		buf := make([]byte, maxDNSMessage)
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			return
		}
		ua, ok := from.(*net.UDPAddr)
		if !ok || !d.acquire() {
			continue
		}
		go func() {
			defer d.release()
			if resp := d.answer(ua.AddrPort().Addr().Unmap(), buf[:n]); resp != nil {
				_, _ = c.WriteTo(resp, ua)
			}
		}()
	}
}

// serveTCP accepts connections, each served on its own goroutine.
func (d *dnsServer) serveTCP(ln *gonet.TCPListener) {
	defer d.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		if !d.acquire() {
			_ = c.Close()
			continue
		}
		go func() {
			defer d.release()
			defer c.Close()
			d.serveConn(c)
		}()
	}
}

// serveConn answers length-prefixed queries until the peer stops or is
// idle for dnsTimeout.
func (d *dnsServer) serveConn(c net.Conn) {
	stop := context.AfterFunc(d.ctx, func() { _ = c.Close() })
	defer stop()
	ta, ok := c.RemoteAddr().(*net.TCPAddr)
	if !ok {
		return
	}
	src := ta.AddrPort().Addr().Unmap()
	var lenBuf [2]byte
	for {
		_ = c.SetDeadline(time.Now().Add(dnsTimeout))
		if _, err := io.ReadFull(c, lenBuf[:]); err != nil {
			return
		}
		msg := make([]byte, binary.BigEndian.Uint16(lenBuf[:]))
		if _, err := io.ReadFull(c, msg); err != nil {
			return
		}
		resp := d.answer(src, msg)
		if resp == nil {
			return
		}
		out := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(resp)), uint16(len(resp)))
		if _, err := c.Write(append(out, resp...)); err != nil {
			return
		}
	}
}
