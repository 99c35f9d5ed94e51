package gateway

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"time"
)

// serveSOCKS runs one SOCKS5 connection: negotiation, request, then a
// tunnel (CONNECT) or a UDP association (UDP ASSOCIATE).
func (g *Gateway) serveSOCKS(c net.Conn) {
	ctx, cancel := context.WithTimeout(g.ctx, g.cfg.HandshakeTimeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	_ = c.SetDeadline(deadline)
	req, session, err := g.socksHandshake(c)
	if err != nil {
		g.log.Debug("socks5 handshake failed", reason(err))
		return
	}
	if req.cmd == cmdUDPAssociate {
		cancel()
		g.serveAssociation(c, req, session)
		return
	}
	t, err := g.socksConnect(ctx, c, req, session)
	if err != nil {
		g.log.Debug("socks5 connect failed", reason(err))
		return
	}
	defer t.Close()
	_ = c.SetDeadline(time.Time{})
	g.pipe(c, t)
}

// socksHandshake negotiates with the client and reads its request. It
// answers refused commands itself and returns a request to CONNECT or to
// UDP ASSOCIATE, with the session key the client's username carried.
func (g *Gateway) socksHandshake(c net.Conn) (socksRequest, string, error) {
	session, err := g.socksAuth(c)
	if err != nil {
		return socksRequest{}, "", err
	}
	req, code, err := readRequest(c)
	if err != nil {
		_ = writeReply(c, code)
		return socksRequest{}, "", err
	}
	switch req.cmd {
	case cmdConnect, cmdUDPAssociate:
		return req, session, nil
	case cmdBind:
		// BIND has no use for a buyer's gateway.
		_ = writeReply(c, repCmdNotSupported)
		return socksRequest{}, "", fmt.Errorf("%w: command %#x not supported", errSOCKS, req.cmd)
	default:
		_ = writeReply(c, repCmdNotSupported)
		return socksRequest{}, "", fmt.Errorf("%w: unknown command %#x", errSOCKS, req.cmd)
	}
}

// socksConnect dials the destination of a CONNECT request and sends the
// reply. It returns the open tunnel.
func (g *Gateway) socksConnect(ctx context.Context, c net.Conn, req socksRequest, session string) (*tunnel, error) {
	addr, err := g.target(req.host, req.port)
	var t *tunnel
	if err == nil {
		t, err = g.dial(ctx, addr, session)
	}
	if err != nil {
		_ = writeReply(c, replyFor(err))
		return nil, err
	}
	if err := writeReply(c, repSucceeded); err != nil {
		_ = t.Close()
		return nil, fmt.Errorf("write reply: %w", err)
	}
	return t, nil
}

// socksAuth selects a method and runs the RFC 1929 exchange when it is
// username/password: always when credentials are configured, and on an
// open gateway when the client offers it, since its username names a
// session. It returns the session key, "" for none.
func (g *Gateway) socksAuth(c net.Conn) (string, error) {
	methods, err := readGreeting(c)
	if err != nil {
		return "", err
	}
	want := byte(methodNoAuth)
	if g.authRequired() || bytes.IndexByte(methods, methodUserPass) >= 0 {
		want = methodUserPass
	}
	if bytes.IndexByte(methods, want) < 0 {
		_, _ = c.Write([]byte{socksVersion, methodNoneUsable})
		return "", fmt.Errorf("%w: client did not offer method %#x", errSOCKS, want)
	}
	if _, err := c.Write([]byte{socksVersion, want}); err != nil {
		return "", fmt.Errorf("write method: %w", err)
	}
	if want == methodNoAuth {
		return "", nil
	}
	user, pass, err := readUserPass(c)
	if err != nil {
		return "", err
	}
	session, err := g.credentials(string(user), pass)
	if err != nil {
		_, _ = c.Write([]byte{userPassVersion, 0x01})
		return "", fmt.Errorf("%w: %w", errSOCKS, err)
	}
	if _, err := c.Write([]byte{userPassVersion, 0x00}); err != nil {
		return "", fmt.Errorf("write auth status: %w", err)
	}
	return session, nil
}
