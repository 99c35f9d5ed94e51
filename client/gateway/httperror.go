package gateway

import (
	"fmt"
	"io"
	"net"
	"net/http"
)

// writeProxyError writes a short text response that closes the connection.
func writeProxyError(w io.Writer, code int, errType, details string, extra http.Header) error {
	body := fmt.Sprintf("%d %s: %s\n", code, http.StatusText(code), sfString(details))
	h := http.Header{
		proxyStatusHeaderName: {proxyStatusValue(errType, details)},
		"Content-Type":        {"text/plain; charset=utf-8"},
		"Content-Length":      {fmt.Sprint(len(body))},
		"Connection":          {"close"},
	}
	for k, v := range extra {
		h[k] = v
	}
	if _, err := fmt.Fprintf(w, "HTTP/1.1 %d %s\r\n", code, http.StatusText(code)); err != nil {
		return err
	}
	if err := h.Write(w); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\r\n"+body)
	return err
}

// refuseHTTP answers a client over the connection limit.
func refuseHTTP(c net.Conn) {
	_ = writeProxyError(c, http.StatusServiceUnavailable, statusConnLimit, "too many connections to the gateway", nil)
}
