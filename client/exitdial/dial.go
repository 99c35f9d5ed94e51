package exitdial

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"go.uber.org/zap"
)

// requestCanceled resets a CONNECT stream the caller gave up on.
const requestCanceled = quic.StreamErrorCode(http3.ErrCodeRequestCanceled)

// DialContext opens a TCP connection to address (host:port) through the
// exit. network must be "tcp", "tcp4" or "tcp6"; the exit picks the address
// family. A refusal by the exit or its egress returns a *ProxyError; a
// failure to reach the exit wraps ErrExitUnavailable. If the cached QUIC
// connection turns out to be dead, DialContext dials the exit once more.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if err := checkTarget(network, address); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		conn, cc, err := d.clientConn(ctx)
		if err != nil {
			return nil, err
		}
		c, err := d.connect(ctx, conn, cc, address)
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

// checkTarget accepts TCP networks and host:port addresses with a decimal
// port; the exit checks the rest.
func checkTarget(network, address string) error {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return fmt.Errorf("%w: network %q", ErrBadAddress, network)
	}
	host, port, err := net.SplitHostPort(address)
	if err != nil || host == "" {
		return fmt.Errorf("%w: %q is not host:port", ErrBadAddress, address)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || strings.HasPrefix(port, "+") {
		return fmt.Errorf("%w: port %q", ErrBadAddress, port)
	}
	return nil
}

// connect sends one CONNECT request on a new stream and waits for the
// answer. ctx bounds the whole exchange.
func (d *Dialer) connect(ctx context.Context, conn *quic.Conn, cc *http3.ClientConn, address string) (net.Conn, error) {
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
	rsp, err := roundTrip(str, d.request(address))
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
	c := newConn(str, conn.LocalAddr(), address, d.exit.NodeID)
	c.count = &d.buyer.count
	return c, nil
}

// request builds the CONNECT request for address.
func (d *Dialer) request(address string) *http.Request {
	return &http.Request{
		Method: http.MethodConnect,
		Host:   address,
		URL:    &url.URL{Host: address},
		Header: http.Header{
			"Proxy-Authorization": {"Bearer " + d.currentToken()},
			"User-Agent":          {"sparelink-exitdial"},
		},
	}
}

func roundTrip(str *http3.RequestStream, req *http.Request) (*http.Response, error) {
	if err := str.SendRequestHeader(req); err != nil {
		return nil, fmt.Errorf("send CONNECT: %w", err)
	}
	rsp, err := str.ReadResponse()
	if err != nil {
		return nil, fmt.Errorf("read CONNECT response: %w", err)
	}
	return rsp, nil
}

func (d *Dialer) unavailable(err error) error {
	return fmt.Errorf("exit %s: %w: %w", d.exit.NodeID, ErrExitUnavailable, err)
}
