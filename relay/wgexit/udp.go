package wgexit

import (
	"context"
	"errors"
	"net"
	"os"
	"sync/atomic"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
	"gvisor.dev/gvisor/pkg/waiter"
)

// udpGate judges the first datagram of a UDP flow before the forwarder
// sees it. Datagrams from no peer are dropped; a destination the policy
// refuses, or one inside the tunnel's pools, is left unhandled so that
// the stack answers ICMP port unreachable and the buyer's socket fails at
// once. Later datagrams of an open flow reach its endpoint directly.
func (e *Exit) udpGate(fwd *udp.Forwarder) func(stack.TransportEndpointID, *stack.PacketBuffer) bool {
	return func(id stack.TransportEndpointID, pkt *stack.PacketBuffer) bool {
		src, dst := addrPort(id.RemoteAddress, id.RemotePort), addrPort(id.LocalAddress, id.LocalPort)
		if e.leaseOf(src.Addr()) == nil {
			return true
		}
		if e.pool.contains(dst.Addr()) || e.cfg.Egress.CheckAddr(dst) != nil {
			return false
		}
		return fwd.HandlePacket(id, pkt)
	}
}

// handleUDP opens the flow of a permitted first datagram: the buyer's
// endpoint at once, so that the datagrams that follow queue there, and
// the destination's socket in the background.
func (e *Exit) handleUDP(r *udp.ForwarderRequest) {
	id := r.ID()
	src, dst := addrPort(id.RemoteAddress, id.RemotePort), addrPort(id.LocalAddress, id.LocalPort)
	f := e.openFlow(src.Addr(), dst)
	if f == nil {
		return
	}
	var wq waiter.Queue
	ep, terr := r.CreateEndpoint(&wq)
	if terr != nil {
		f.lease.dropFlow(f)
		f.close()
		return
	}
	in := gonet.NewUDPConn(&wq, ep)
	f.attach(in)
	if !e.enter() {
		f.lease.dropFlow(f)
		f.close()
		return
	}
	go func() {
		defer e.wg.Done()
		defer f.lease.dropFlow(f)
		defer f.close()
		ctx, cancel := context.WithTimeout(f.ctx, e.cfg.DialTimeout)
		out, err := e.cfg.Egress.DialContext(ctx, "udp", dst.String())
		cancel()
		if err != nil {
			e.logRefusal(f.lease, "udp", err)
			return
		}
		f.attach(out)
		e.pipeUDP(f, in, out)
	}()
}

// pipeUDP relays datagrams both ways until the flow is idle for the
// configured timeout, fails, or is closed.
func (e *Exit) pipeUDP(f *flow, in, out net.Conn) {
	var last atomic.Int64
	last.Store(time.Now().UnixNano())
	done := make(chan struct{}, 2)
	relay := func(dst, src net.Conn, dir direction) {
		defer func() { done <- struct{}{} }()
		e.copyDatagrams(f, dst, src, dir, &last)
		f.close()
	}
	go relay(out, in, up)
	go relay(in, out, down)
	<-done
	<-done
}

// copyDatagrams moves datagrams from src to dst one at a time, ending
// when neither direction has moved one for the idle timeout.
func (e *Exit) copyDatagrams(f *flow, dst, src net.Conn, dir direction, last *atomic.Int64) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := (*bp)[:cap(*bp)]
	idle := e.cfg.UDPIdleTimeout
	for {
		_ = src.SetReadDeadline(time.Now().Add(idle))
		n, err := src.Read(buf)
		if isTimeout(err) {
			if time.Since(time.Unix(0, last.Load())) < idle {
				continue
			}
			return
		}
		if err != nil {
			return
		}
		last.Store(time.Now().UnixNano())
		if err := e.forward(f, dst, buf[:n], dir); err != nil && !isSendError(err) {
			return
		}
	}
}

// isTimeout reports a read that hit its deadline; gVisor's adapters
// report it as a net.Error, not os.ErrDeadlineExceeded.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// isSendError reports a datagram that could not be sent, such as one
// refused by an ICMP error from a previous datagram; the flow goes on.
func isSendError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "write"
}
