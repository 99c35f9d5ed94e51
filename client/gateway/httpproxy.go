package gateway

import (
	"bufio"
	"context"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"
)

const (
	// maxHeaderBytes bounds a request or response head.
	maxHeaderBytes = 64 << 10
	// keepAliveIdle is how long a client connection may sit idle between
	// requests before the gateway closes it.
	keepAliveIdle = 90 * time.Second
)

// httpSession is one client connection to the HTTP listener.
type httpSession struct {
	g    *Gateway
	conn net.Conn
	lr   *io.LimitedReader // bounds request heads; lifted for bodies
	br   *bufio.Reader
	up   *upstream  // forward-proxy connection kept between requests
	sent chan error // result of a request still being written upstream
	// session is the current request's session key ("" for none).
	session string
}

// serveHTTP runs one HTTP proxy connection until it ends.
func (g *Gateway) serveHTTP(c net.Conn) {
	lr := &io.LimitedReader{R: c, N: maxHeaderBytes}
	s := &httpSession{g: g, conn: c, lr: lr, br: bufio.NewReader(lr)}
	defer s.finish()
	for first := true; s.serveOne(first); first = false {
	}
}

// finish closes both sides and waits for a pending upstream writer.
func (s *httpSession) finish() {
	_ = s.conn.Close()
	s.closeUpstream()
	if s.sent != nil {
		<-s.sent
	}
}

// serveOne handles one request; it reports whether to read another.
func (s *httpSession) serveOne(first bool) bool {
	req, ok := s.readRequest(first)
	if !ok {
		return false
	}
	_ = s.conn.SetReadDeadline(time.Time{})
	session, err := s.g.requestSession(req)
	switch {
	case errors.Is(err, errBadCredentials):
		s.writeError(http.StatusProxyAuthRequired, statusDenied, "proxy authentication required",
			http.Header{"Proxy-Authenticate": {`Basic realm="sparelink"`}})
		return false
	case err != nil:
		s.fail(&statusError{status: statusRequestErr, detail: err.Error()})
		return false
	}
	s.session = session
	switch {
	case req.Method == http.MethodConnect:
		s.connect(req)
		return false
	case req.URL.IsAbs():
		return s.forward(req)
	default:
		s.fail(&statusError{status: statusRequestErr, detail: "not a proxy request: use CONNECT or an absolute URI"})
		return false
	}
}

// readRequest reads the next request head within its deadline.
func (s *httpSession) readRequest(first bool) (*http.Request, bool) {
	if !first {
		_ = s.conn.SetReadDeadline(time.Now().Add(keepAliveIdle))
		if _, err := s.br.Peek(1); err != nil {
			return nil, false
		}
	}
	_ = s.conn.SetReadDeadline(time.Now().Add(s.g.cfg.HandshakeTimeout))
	s.lr.N = maxHeaderBytes
	req, err := http.ReadRequest(s.br)
	if err != nil {
		if s.lr.N <= 0 {
			s.writeError(http.StatusRequestHeaderFieldsTooLarge, statusRequestErr, "request head too large", nil)
		} else if !errors.Is(err, io.EOF) && !isTimeout(err) {
			s.writeError(http.StatusBadRequest, statusRequestErr, "malformed request", nil)
		}
		return nil, false
	}
	s.lr.N = math.MaxInt64
	return req, true
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// connect serves a CONNECT request by tunnelling the connection.
func (s *httpSession) connect(req *http.Request) {
	addr, err := s.g.splitTarget(req.Host)
	if err != nil {
		s.fail(err)
		return
	}
	ctx, cancel := context.WithTimeout(s.g.ctx, s.g.cfg.HandshakeTimeout)
	t, err := s.g.dial(ctx, addr, s.session)
	cancel()
	if err != nil {
		s.fail(err)
		return
	}
	defer t.Close()
	if _, err := io.WriteString(s.conn, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	s.g.pipe(&clientConn{Conn: s.conn, r: s.br}, t)
}

// fail answers the client with the error's status and Proxy-Status.
func (s *httpSession) fail(err error) {
	t := errorType(err)
	s.g.log.Debug("proxy request failed", zap.String("error_type", t))
	s.writeError(httpStatus(t), t, err.Error(), nil)
}

func (s *httpSession) writeError(code int, errType, details string, extra http.Header) {
	_ = s.conn.SetWriteDeadline(time.Now().Add(s.g.cfg.HandshakeTimeout))
	_ = writeProxyError(s.conn, code, errType, details, extra)
}
