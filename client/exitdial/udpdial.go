package exitdial

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"go.uber.org/zap"
)

// ErrNoUDP means the exit does not carry UDP: its HTTP/3 SETTINGS do not
// enable HTTP Datagrams and extended CONNECT. The exit is reachable and
// may still carry TCP, so a Pool moves on without backing it off.
var ErrNoUDP = errors.New("exit does not carry UDP")

const (
	// udpProtocol is the :protocol of CONNECT-UDP requests (RFC 9298 §3).
	udpProtocol = "connect-udp"
	// udpPathPrefix starts the default CONNECT-UDP URI template,
	// /.well-known/masque/udp/{target_host}/{target_port}/.
	udpPathPrefix = "/.well-known/masque/udp/"
)

// DialUDP opens a UDP flow to target ("host:port") through the exit with
// CONNECT-UDP (RFC 9298) and returns it as a connected datagram socket;
// the exit resolves the host and picks the address family. A refusal by
// the exit or its egress returns a *ProxyError, an exit that does not
// carry UDP ErrNoUDP, and a failure to reach the exit wraps
// ErrExitUnavailable. Like DialContext, it dials the exit once more when
// the cached QUIC connection turns out to be dead.
func (d *Dialer) DialUDP(ctx context.Context, target string) (*UDPConn, error) {
	path, err := udpPath(target)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		conn, cc, err := d.clientConn(ctx)
		if err != nil {
			return nil, err
		}
		c, err := d.connectUDP(ctx, conn, cc, target, path)
		if err == nil || !errors.Is(err, ErrExitUnavailable) || ctx.Err() != nil {
			return c, err
		}
		d.forget(conn)
		if attempt > 0 {
			return nil, err
		}
		d.log.Debug("connection to exit lost, dialling again", zap.Error(err))
	}
}

// udpPath checks target as DialContext checks TCP addresses and expands
// the URI template with it: host bytes outside RFC 3986's unreserved set
// are percent-encoded, so an IPv6 literal travels as 2001%3Adb8%3A%3A1.
func udpPath(target string) (string, error) {
	if err := checkTarget("tcp", target); err != nil {
		return "", err
	}
	host, port, _ := net.SplitHostPort(target)
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.WriteString(udpPathPrefix)
	for i := 0; i < len(host); i++ {
		c := host[i]
		if isAlpha(c) || isDigit(c) || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.Write([]byte{'%', hex[c>>4], hex[c&15]})
	}
	b.WriteString("/" + port + "/")
	return b.String(), nil
}

// connectUDP sends one CONNECT-UDP request on a new stream and waits for
// the answer. ctx bounds the whole exchange.
func (d *Dialer) connectUDP(ctx context.Context, conn *quic.Conn, cc *http3.ClientConn, target, path string) (*UDPConn, error) {
	if err := d.checkUDP(ctx, conn, cc); err != nil {
		return nil, err
	}
	str, err := cc.OpenRequestStream(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, d.unavailable(err)
	}
	cancel := func() {
		str.CancelRead(requestCanceled)
		str.CancelWrite(requestCanceled)
	}
	stop := context.AfterFunc(ctx, cancel)
	rsp, err := roundTrip(str, d.udpRequest(path))
	if !stop() {
		return nil, ctx.Err()
	}
	if err != nil {
		cancel()
		return nil, d.unavailable(err)
	}
	if rsp.StatusCode < 200 || rsp.StatusCode > 299 {
		cancel()
		return nil, proxyErrorFrom(rsp)
	}
	d.openReceipts(conn, cc) // see receiptstream.go
	c := newUDPConn(str, conn.LocalAddr(), target, d.exit.NodeID)
	c.count = &d.buyer.count
	return c, nil
}

// checkUDP waits for the exit's SETTINGS and checks that they, and the
// QUIC handshake, allow CONNECT-UDP with HTTP Datagrams.
func (d *Dialer) checkUDP(ctx context.Context, conn *quic.Conn, cc *http3.ClientConn) error {
	select {
	case <-cc.ReceivedSettings():
	case <-conn.Context().Done():
		return d.unavailable(context.Cause(conn.Context()))
	case <-ctx.Done():
		return ctx.Err()
	}
	s := cc.Settings()
	if !s.EnableDatagrams || !s.EnableExtendedConnect || !conn.ConnectionState().SupportsDatagrams.Remote {
		return fmt.Errorf("exit %s: %w", d.exit.NodeID, ErrNoUDP)
	}
	return nil
}

// udpRequest builds the extended CONNECT request for path.
func (d *Dialer) udpRequest(path string) *http.Request {
	return &http.Request{
		Method: http.MethodConnect,
		Proto:  udpProtocol,
		Host:   d.exit.Addr,
		// Opaque keeps the percent-encoding of path as it is.
		URL: &url.URL{Scheme: "https", Host: d.exit.Addr, Opaque: path},
		Header: http.Header{
			"Proxy-Authorization":       {"Bearer " + d.currentToken()},
			"User-Agent":                {"sparelink-exitdial"},
			http3.CapsuleProtocolHeader: {"?1"},
		},
	}
}
