package gateway

import (
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strings"
	"time"
)

// writerGrace is how long a finished response waits for the request
// writer; a writer still busy after it means the origin answered without
// reading the whole body, so neither connection can be reused.
const writerGrace = 5 * time.Second

// hopHeaders are hop-by-hop fields (RFC 9110 section 7.6.1) that never
// cross the gateway, besides those named in Connection.
var hopHeaders = []string{
	"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// forward proxies one absolute-URI request through a tunnel to its origin.
// It reports whether the client connection may carry another request.
func (s *httpSession) forward(req *http.Request) bool {
	addr, err := s.forwardTarget(req)
	if err != nil {
		s.fail(err)
		return false
	}
	out := outgoing(req)
	if strings.EqualFold(req.Header.Get("Expect"), "100-continue") {
		// Answer for the origin so the client does not stall; the body is
		// streamed either way.
		out.Header.Del("Expect")
		if _, err := io.WriteString(s.conn, "HTTP/1.1 100 Continue\r\n\r\n"); err != nil {
			return false
		}
	}
	resp, err := s.roundTrip(addr, out)
	if err != nil {
		s.fail(err)
		return false
	}
	return s.relay(req, resp) && s.writerDone()
}

// forwardTarget returns the tunnel address of a forward-proxy request.
func (s *httpSession) forwardTarget(req *http.Request) (string, error) {
	if req.URL.Scheme != "http" {
		return "", &statusError{status: statusRequestErr, detail: "only http:// URLs are forwarded; use CONNECT for " + sfString(req.URL.Scheme)}
	}
	port := req.URL.Port()
	if port == "" {
		port = "80"
	}
	return s.g.splitTarget(net.JoinHostPort(req.URL.Hostname(), port))
}

// outgoing builds the request sent to the origin: origin-form target,
// without hop-by-hop or Proxy-* fields, and no User-Agent invented.
func outgoing(req *http.Request) *http.Request {
	out := req.Clone(req.Context())
	out.RequestURI = ""
	out.Close = false
	removeHopHeaders(out.Header)
	out.Header.Del(SessionHeader)
	for k := range out.Header {
		if strings.HasPrefix(k, "Proxy-") {
			delete(out.Header, k)
		}
	}
	if _, ok := out.Header["User-Agent"]; !ok {
		out.Header["User-Agent"] = []string{""} // tells Request.Write to send none
	}
	return out
}

// removeHopHeaders deletes hop-by-hop fields, including any the message
// lists in its Connection field.
func removeHopHeaders(h http.Header) {
	for _, v := range h.Values("Connection") {
		for _, name := range strings.Split(v, ",") {
			if name = textproto.TrimString(name); name != "" {
				h.Del(name)
			}
		}
	}
	for _, k := range hopHeaders {
		h.Del(k)
	}
}

// relay writes the origin's response to the client and reports whether
// the client connection can be kept.
func (s *httpSession) relay(req *http.Request, resp *http.Response) bool {
	originClose := resp.Close
	removeHopHeaders(resp.Header)
	chunked := len(resp.TransferEncoding) > 0 && resp.TransferEncoding[0] == "chunked"
	if chunked && !req.ProtoAtLeast(1, 1) {
		// HTTP/1.0 clients do not know chunking: end the body by closing.
		resp.TransferEncoding = nil
		resp.ContentLength = -1
	}
	closeDelimited := resp.ContentLength < 0 && len(resp.TransferEncoding) == 0 &&
		req.Method != http.MethodHead && resp.StatusCode != http.StatusNoContent &&
		resp.StatusCode != http.StatusNotModified
	resp.Proto, resp.ProtoMajor, resp.ProtoMinor = "HTTP/1.1", 1, 1
	resp.Close = req.Close || closeDelimited
	err := resp.Write(s.conn)
	if err != nil || originClose || closeDelimited {
		s.closeUpstream() // before Body.Close, which would drain it
	}
	_ = resp.Body.Close()
	return err == nil && !resp.Close
}

// writerDone waits briefly for the request writer and reports whether the
// request went out whole.
func (s *httpSession) writerDone() bool {
	t := time.NewTimer(writerGrace)
	defer t.Stop()
	select {
	case err := <-s.sent:
		s.sent = nil
		if err != nil {
			s.closeUpstream()
		}
		return err == nil
	case <-t.C:
		return false // finish closes both sides, then collects the writer
	}
}
