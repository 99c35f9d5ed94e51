package broker

import (
	"bytes"
	"net/http"
)

// capture is a ResponseWriter that keeps the answer in memory, so that it
// can be stored before it is sent. API answers are small JSON bodies.
type capture struct {
	header http.Header
	status int
	body   bytes.Buffer
}

// newCapture starts with a copy of the real writer's header, so that what
// was set before (the request ID) is kept.
func newCapture(h http.Header) *capture { return &capture{header: h.Clone()} }

func (c *capture) Header() http.Header { return c.header }

func (c *capture) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

func (c *capture) Write(p []byte) (int, error) {
	c.WriteHeader(http.StatusOK)
	return c.body.Write(p)
}

// code is the answer's status; a handler that wrote nothing answered 200.
func (c *capture) code() int {
	if c.status == 0 {
		return http.StatusOK
	}
	return c.status
}

// sendTo writes the kept answer to w.
func (c *capture) sendTo(w http.ResponseWriter) {
	for k, v := range c.header {
		w.Header()[k] = v
	}
	w.WriteHeader(c.code())
	_, _ = w.Write(c.body.Bytes())
}
