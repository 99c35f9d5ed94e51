package sim

import (
	"net/http"
	"net/http/httptest"
)

// transport serves requests with a handler in the calling goroutine: no
// sockets, no scheduling the simulation does not choose.
type transport struct {
	h http.Handler
}

var _ http.RoundTripper = transport{}

// RoundTrip turns the client's request into the server's view of it and
// returns the recorded answer.
func (t transport) RoundTrip(r *http.Request) (*http.Response, error) {
	req := r.Clone(r.Context())
	req.RemoteAddr = "127.0.0.1:40000"
	req.RequestURI = r.URL.RequestURI()
	if req.Body == nil {
		req.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, req)
	return rec.Result(), nil
}
