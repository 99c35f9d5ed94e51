package gateway

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"go.uber.org/zap"
)

// maxAcceptBackoff caps the pause after a failed Accept (for example when
// the process is out of file descriptors) so the loop never spins.
const maxAcceptBackoff = time.Second

// protocol is what one kind of listener does with its connections.
type protocol struct {
	name   string
	serve  func(net.Conn)
	refuse func(net.Conn) // answers a client over MaxConns before closing
}

// ListenSOCKS5 listens on addr ("127.0.0.1:1080", or port 0 for any free
// port) and serves SOCKS5 in the background. It returns the bound address.
func (g *Gateway) ListenSOCKS5(addr string) (net.Addr, error) {
	return g.listen(addr, protocol{name: "socks5", serve: g.serveSOCKS, refuse: refuseSOCKS})
}

// ListenHTTP listens on addr and serves HTTP CONNECT and plain HTTP
// forward proxying in the background. It returns the bound address.
func (g *Gateway) ListenHTTP(addr string) (net.Addr, error) {
	return g.listen(addr, protocol{name: "http", serve: g.serveHTTP, refuse: refuseHTTP})
}

func (g *Gateway) listen(addr string, p protocol) (net.Addr, error) {
	if err := g.checkListenAddr(addr); err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s on %s: %w", p.name, addr, err)
	}
	if err := g.checkBound(l.Addr()); err != nil {
		_ = l.Close()
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		_ = l.Close()
		return nil, ErrClosed
	}
	g.listeners = append(g.listeners, l)
	g.wg.Add(1)
	go g.acceptLoop(l, p)
	g.log.Info("listening", zap.String("proto", p.name), zap.Stringer("addr", l.Addr()))
	return l.Addr(), nil
}

func (g *Gateway) checkListenAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("listen on %q: %w", addr, err)
	}
	if isLoopbackHost(host) || g.publicAllowed() {
		return nil
	}
	return fmt.Errorf("%w: %q (set AllowPublic and credentials to expose the gateway)", ErrPublicListen, addr)
}

// checkBound catches names such as "localhost" that resolved to something
// other than a loopback address.
func (g *Gateway) checkBound(a net.Addr) error {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil || ap.Addr().Unmap().IsLoopback() || g.publicAllowed() {
		return nil
	}
	return fmt.Errorf("%w: bound to %s", ErrPublicListen, a)
}

func (g *Gateway) publicAllowed() bool { return g.cfg.AllowPublic && g.authRequired() }

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

func (g *Gateway) acceptLoop(l net.Listener, p protocol) {
	defer g.wg.Done()
	backoff := 5 * time.Millisecond
	for {
		c, err := l.Accept()
		if err != nil {
			if g.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			g.log.Warn("accept failed", zap.String("proto", p.name), zap.Error(err))
			if !g.sleep(backoff) {
				return
			}
			backoff = min(2*backoff, maxAcceptBackoff)
			continue
		}
		backoff = 5 * time.Millisecond
		g.admit(c, p)
	}
}

// sleep waits d or until Close; it reports whether the gateway is open.
func (g *Gateway) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-g.ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// admit starts serving c, or refuses it when the gateway is closed or full.
func (g *Gateway) admit(c net.Conn, p protocol) {
	g.mu.Lock()
	switch {
	case g.closed:
		g.mu.Unlock()
		_ = c.Close()
		return
	case len(g.conns) >= g.cfg.MaxConns:
		g.mu.Unlock()
		g.log.Warn("connection limit reached", zap.String("proto", p.name), zap.Int("max", g.cfg.MaxConns))
		_ = c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		p.refuse(c)
		_ = c.Close()
		return
	}
	g.conns[c] = struct{}{}
	g.wg.Add(1)
	g.mu.Unlock()
	go func() {
		defer g.wg.Done()
		defer g.forget(c)
		p.serve(c)
	}()
}

func (g *Gateway) forget(c net.Conn) {
	_ = c.Close()
	g.mu.Lock()
	delete(g.conns, c)
	g.mu.Unlock()
}
