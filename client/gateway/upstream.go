package gateway

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"
)

const (
	// upstreamIdle bounds how long a forward-proxy origin may stay silent
	// while a response is awaited or streamed.
	upstreamIdle = 2 * time.Minute
	// maxInformational bounds 1xx responses skipped before the final one.
	maxInformational = 8
)

// upstream is a tunnel to one origin, kept between forwarded requests of
// the same client connection.
type upstream struct {
	addr    string
	session string
	t       *tunnel
	lr      *io.LimitedReader
	br      *bufio.Reader
}

// idleReader refreshes a read deadline before every read.
type idleReader struct{ t *tunnel }

func (r idleReader) Read(p []byte) (int, error) {
	_ = r.t.SetReadDeadline(time.Now().Add(upstreamIdle))
	return r.t.Read(p)
}

// roundTrip sends out to the origin at addr and reads the final response
// head. The request is written by a goroutine whose result lands in
// s.sent; finish or writerDone collects it. A kept connection that turns
// out stale is replaced once, for requests without a body.
func (s *httpSession) roundTrip(addr string, out *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		reused, err := s.upstreamTo(addr)
		if err != nil {
			return nil, err
		}
		sent := make(chan error, 1)
		s.sent = sent
		go func(t *tunnel) { sent <- out.Write(t) }(s.up.t)
		resp, err := s.readResponse(out)
		if err == nil {
			return resp, nil
		}
		if !reused || attempt > 0 || out.Body != http.NoBody {
			return nil, err
		}
		s.closeUpstream()
		<-sent
		s.sent = nil
	}
}

// upstreamTo makes s.up a tunnel to addr, reusing the current one when it
// already leads there.
func (s *httpSession) upstreamTo(addr string) (reused bool, err error) {
	if s.up != nil && s.up.addr == addr && s.up.session == s.session {
		return true, nil
	}
	s.closeUpstream()
	ctx, cancel := context.WithTimeout(s.g.ctx, s.g.cfg.HandshakeTimeout)
	defer cancel()
	t, err := s.g.dial(ctx, addr, s.session)
	if err != nil {
		return false, err
	}
	lr := &io.LimitedReader{R: idleReader{t}, N: maxHeaderBytes}
	s.up = &upstream{addr: addr, session: s.session, t: t, lr: lr, br: bufio.NewReader(lr)}
	return false, nil
}

func (s *httpSession) closeUpstream() {
	if s.up != nil {
		_ = s.up.t.Close()
		s.up = nil
	}
}

// readResponse reads the final response head, skipping 1xx responses.
func (s *httpSession) readResponse(out *http.Request) (*http.Response, error) {
	for range maxInformational {
		s.up.lr.N = maxHeaderBytes
		resp, err := http.ReadResponse(s.up.br, out)
		if err != nil {
			return nil, responseError(err, s.up.lr.N <= 0)
		}
		s.up.lr.N = math.MaxInt64
		if resp.StatusCode >= http.StatusOK {
			return resp, nil
		}
		if resp.StatusCode == http.StatusSwitchingProtocols {
			return nil, &statusError{status: "http_upgrade_failed", detail: "origin switched protocols unasked"}
		}
	}
	return nil, &statusError{status: statusResponseErr, detail: "too many informational responses"}
}

// responseError classifies a failure to read the origin's response.
func responseError(err error, tooLarge bool) error {
	switch {
	case tooLarge:
		return &statusError{status: "http_response_header_section_size", detail: "response head too large"}
	case isTimeout(err):
		return &statusError{status: "http_response_timeout", detail: "origin did not answer in time"}
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return &statusError{status: "connection_terminated", detail: "origin closed the connection"}
	default:
		return &statusError{status: statusResponseErr, detail: fmt.Sprintf("bad response: %v", err)}
	}
}
