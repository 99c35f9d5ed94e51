package wgexit

import (
	"context"
	"errors"
	"net/netip"

	"go.uber.org/zap"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/waiter"

	"github.com/sparelink/sparelink/relay/egress"
)

// handleTCP serves one SYN from a peer. The destination is dialled first,
// through the egress policy; only when it answers does the exit complete
// the buyer's handshake, so a refused or denied destination looks to the
// buyer exactly like a closed port: a RST.
func (e *Exit) handleTCP(r *tcp.ForwarderRequest) {
	if !e.enter() {
		r.Complete(true)
		return
	}
	defer e.wg.Done()
	id := r.ID()
	src, dst := addrPort(id.RemoteAddress, id.RemotePort), addrPort(id.LocalAddress, id.LocalPort)
	f := e.openFlow(src.Addr(), dst)
	if f == nil {
		r.Complete(true)
		return
	}
	defer f.lease.dropFlow(f)
	defer f.close()
	ctx, cancel := context.WithTimeout(f.ctx, e.cfg.DialTimeout)
	out, err := e.cfg.Egress.DialContext(ctx, "tcp", dst.String())
	cancel()
	if err != nil {
		e.logRefusal(f.lease, "tcp", err)
		r.Complete(true)
		return
	}
	f.attach(out)
	var wq waiter.Queue
	ep, terr := r.CreateEndpoint(&wq)
	if terr != nil {
		e.log.Debug("tcp handshake with buyer failed", zap.String("lease", f.lease.id), zap.String("error", terr.String()))
		r.Complete(true)
		return
	}
	r.Complete(false)
	in := gonet.NewTCPConn(&wq, ep)
	f.attach(in)
	e.pipeTCP(f, in, out)
}

// openFlow returns a new flow of the peer at src towards dst, or nil when
// src is no peer, dst is inside the tunnel's own pools, or the lease has
// too many flows open.
func (e *Exit) openFlow(src netip.Addr, dst netip.AddrPort) *flow {
	if e.pool.contains(dst.Addr()) {
		return nil
	}
	l := e.leaseOf(src)
	if l == nil {
		return nil
	}
	f := newFlow(l, src)
	if !l.addFlow(f, e.cfg.MaxFlows) {
		f.close()
		return nil
	}
	return f
}

// leaseOf returns the lease of the peer whose tunnel address is a.
func (e *Exit) leaseOf(a netip.Addr) *lease {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p := e.byAddr[a]; p != nil {
		return p.lease
	}
	return nil
}

// logRefusal records why a destination was not reached, without the
// destination itself.
func (e *Exit) logRefusal(l *lease, network string, err error) {
	reason := "dial failed"
	var denied *egress.DeniedError
	if errors.As(err, &denied) {
		reason = string(denied.Reason)
	}
	e.log.Debug("destination not reached", zap.String("lease", l.id), zap.String("network", network), zap.String("reason", reason))
}
