package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"github.com/sparelink/sparelink/broker/api"
)

// maxResponse bounds a successful response body.
const maxResponse = 16 << 20

// call is one API request.
type call struct {
	method  string
	path    string // under the base URL, e.g. "/v1/leases"
	query   url.Values
	body    any    // JSON-encoded when not nil
	idemKey string // sent as Idempotency-Key when not empty
	// effect marks a POST whose repeat would act twice: without an
	// idemKey from the caller, do makes one for the logical call and
	// sends it with every attempt.
	effect bool
	// same marks a POST whose repeat changes nothing more (a quote, a
	// heartbeat, cumulative receipts), safe to retry without a key and not
	// worth the broker storing an answer for.
	same bool
}

// retryable reports whether sending c twice is harmless. A DELETE is:
// the second one finds nothing to delete, which do takes as success.
func (c call) retryable() bool {
	switch c.method {
	case http.MethodGet, http.MethodDelete:
		return true
	case http.MethodPost:
		return c.same || c.idemKey != ""
	}
	return false
}

// do sends c, retrying when that is safe, and decodes a 2xx JSON answer
// into out (unless out is nil).
func (c *Client) do(ctx context.Context, req call, out any) error {
	if req.effect && req.idemKey == "" {
		req.idemKey = newIdempotencyKey()
	}
	var body []byte
	if req.body != nil {
		var err error
		if body, err = json.Marshal(req.body); err != nil {
			return fmt.Errorf("%s %s: encode body: %w", req.method, req.path, err)
		}
	}
	var err error
	for i := 0; i < c.attempts; i++ {
		var retry bool
		retry, err = c.once(ctx, req, body, out)
		if i > 0 && req.method == http.MethodDelete && IsCode(err, api.CodeNotFound) {
			// An earlier attempt may have deleted it before its answer
			// was lost: what was asked for is done.
			err = nil
		}
		if !retry || i == c.attempts-1 {
			break
		}
		wait, ok := c.wait(i+1, err)
		if !ok {
			break
		}
		if werr := sleep(ctx, wait); werr != nil {
			return fmt.Errorf("%s %s: %w (last error: %w)", req.method, req.path, werr, err)
		}
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", req.method, req.path, err)
	}
	return nil
}

// wait is how long to wait before retry n after err: the backoff, or the
// broker's Retry-After when that is longer. ok is false when the broker
// asks for a wait beyond maxRetryAfter, not worth blocking the caller for.
func (c *Client) wait(n int, err error) (d time.Duration, ok bool) {
	d = c.delay(n)
	var e *Error
	if errors.As(err, &e) && e.RetryAfter > d {
		if e.RetryAfter > maxRetryAfter {
			return 0, false
		}
		d = e.RetryAfter
	}
	return d, true
}

// once sends one attempt and reports whether a failure may be retried:
// network errors and 5xx answers when the call is retryable, and always a
// 429 or a conflict with a request still running under the same
// Idempotency-Key, as the broker did nothing for those.
func (c *Client) once(ctx context.Context, req call, body []byte, out any) (retry bool, err error) {
	hr, err := c.newRequest(ctx, req, body)
	if err != nil {
		return false, err
	}
	resp, err := c.hc.Do(hr)
	if err != nil {
		return req.retryable() && ctx.Err() == nil, err
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponse))
		resp.Body.Close()
	}()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := readError(resp)
		switch {
		case e.Status == http.StatusTooManyRequests, e.Code == api.CodeIdempotencyInProgress:
			return true, e
		}
		return req.retryable() && e.Status >= 500, e
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return false, nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponse)).Decode(out); err != nil {
		return false, fmt.Errorf("decode response: %w", err)
	}
	return false, nil
}

func (c *Client) newRequest(ctx context.Context, req call, body []byte) (*http.Request, error) {
	u := c.base + req.path
	if len(req.query) > 0 {
		u += "?" + req.query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, u, rd)
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Accept", "application/json, "+api.ProblemContentType)
	hr.Header.Set("User-Agent", c.ua)
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		hr.Header.Set("Authorization", "Bearer "+c.key)
	}
	if req.idemKey != "" {
		hr.Header.Set(api.HeaderIdempotencyKey, req.idemKey)
	}
	return hr, nil
}

// delay is the wait before retry n (n >= 1): exponential, half of it random,
// so that clients that failed together do not retry together.
func (c *Client) delay(n int) time.Duration {
	d := c.backoff << (n - 1)
	if d <= 0 || d > maxBackoff {
		d = maxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

var errEmptyID = errors.New("empty ID")
