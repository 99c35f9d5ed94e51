package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sparelink/sparelink/broker/api"
)

// Error is a request the broker refused: its problem response, or for a
// non-problem error body (a proxy's, say) the status alone. Use errors.As
// to get it, and branch on Code (one of the api.Code constants).
type Error struct {
	Status int    // HTTP status
	Code   string // stable problem code; empty when the body was no problem
	Title  string
	Detail string
	// RequestID names the failed request in the broker's logs; quote it
	// when reporting a problem.
	RequestID string
	// RetryAfter is the broker's Retry-After, zero when it sent none.
	RetryAfter time.Duration
}

// Error formats the problem.
func (e *Error) Error() string {
	msg := fmt.Sprintf("broker: %d %s", e.Status, e.Title)
	if e.Code != "" {
		msg += " (" + e.Code + ")"
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.RequestID != "" {
		msg += " [request " + e.RequestID + "]"
	}
	return msg
}

// IsCode reports whether err is, or wraps, an *Error with the given code.
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 64 << 10

// readError turns a non-2xx response into an *Error.
func readError(resp *http.Response) *Error {
	e := &Error{Status: resp.StatusCode, Title: http.StatusText(resp.StatusCode),
		RequestID: resp.Header.Get(api.HeaderRequestID), RetryAfter: retryAfter(resp.Header)}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if err != nil {
		return e
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == api.ProblemContentType || mt == "application/json" {
		var p api.Problem
		if json.Unmarshal(data, &p) == nil && p.Code != "" {
			e.Code, e.Detail = p.Code, p.Detail
			if p.Title != "" {
				e.Title = p.Title
			}
			return e
		}
	}
	e.Detail = strings.TrimSpace(string(data[:min(len(data), 200)]))
	return e
}

// retryAfter reads a Retry-After header given in seconds (the only form
// the broker sends); anything else is zero.
func retryAfter(h http.Header) time.Duration {
	n, err := strconv.Atoi(h.Get(api.HeaderRetryAfter))
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}
