package gateway

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"time"
)

// serveSOCKS runs one SOCKS5 connection: negotiation, request, tunnel.
func (g *Gateway) serveSOCKS(c net.Conn) {
	ctx, cancel := context.WithTimeout(g.ctx, g.cfg.HandshakeTimeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	_ = c.SetDeadline(deadline)
	t, err := g.socksHandshake(ctx, c)
	if err != nil {
		g.log.Debug("socks5 handshake failed", reason(err))
		return
	}
	defer t.Close()
	_ = c.SetDeadline(time.Time{})
	g.pipe(c, t)
}

// socksHandshake negotiates with the client and, for CONNECT, dials the
// destination and sends the success reply. It returns the open tunnel.
func (g *Gateway) socksHandshake(ctx context.Context, c net.Conn) (*tunnel, error) {
	if err := g.socksAuth(c); err != nil {
		return nil, err
	}
	req, code, err := readRequest(c)
	if err != nil {
		_ = writeReply(c, code)
		return nil, err
	}
	switch req.cmd {
	case cmdConnect:
	case cmdBind, cmdUDPAssociate:
		// UDP ASSOCIATE comes in a later release, on top of the exits'
		// CONNECT-UDP support; BIND has no use for a buyer's gateway.
		_ = writeReply(c, repCmdNotSupported)
		return nil, fmt.Errorf("%w: command %#x not supported", errSOCKS, req.cmd)
	default:
		_ = writeReply(c, repCmdNotSupported)
		return nil, fmt.Errorf("%w: unknown command %#x", errSOCKS, req.cmd)
	}
	t, err := g.socksConnect(ctx, req)
	if err != nil {
		_ = writeReply(c, socksReply(errorType(err)))
		return nil, err
	}
	if err := writeReply(c, repSucceeded); err != nil {
		_ = t.Close()
		return nil, fmt.Errorf("write reply: %w", err)
	}
	return t, nil
}

func (g *Gateway) socksConnect(ctx context.Context, req socksRequest) (*tunnel, error) {
	addr, err := g.target(req.host, req.port)
	if err != nil {
		return nil, err
	}
	return g.dial(ctx, addr)
}

// socksAuth selects a method and, when credentials are configured, runs
// the RFC 1929 exchange.
func (g *Gateway) socksAuth(c net.Conn) error {
	methods, err := readGreeting(c)
	if err != nil {
		return err
	}
	want := byte(methodNoAuth)
	if g.authRequired() {
		want = methodUserPass
	}
	if !bytes.Contains(methods, []byte{want}) {
		_, _ = c.Write([]byte{socksVersion, methodNoneUsable})
		return fmt.Errorf("%w: client did not offer method %#x", errSOCKS, want)
	}
	if _, err := c.Write([]byte{socksVersion, want}); err != nil {
		return fmt.Errorf("write method: %w", err)
	}
	if want == methodNoAuth {
		return nil
	}
	user, pass, err := readUserPass(c)
	if err != nil {
		return err
	}
	if !credentialsMatch(user, pass, g.cfg.Username, g.cfg.Password) {
		_, _ = c.Write([]byte{userPassVersion, 0x01})
		return fmt.Errorf("%w: wrong credentials", errSOCKS)
	}
	if _, err := c.Write([]byte{userPassVersion, 0x00}); err != nil {
		return fmt.Errorf("write auth status: %w", err)
	}
	return nil
}
