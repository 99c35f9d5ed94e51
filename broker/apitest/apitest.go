// Package apitest holds the broker's tests to its OpenAPI document: every
// request a test sends and every answer the broker gives is checked
// against broker/openapi.json, and a mismatch fails the test. The spec and
// the code therefore cannot drift apart while the tests pass.
//
// Wrap a test's HTTP client with Client or Transport, or a handler with
// Handler when the test needs to fault the network between client and
// broker. The rules:
//
//   - A request to a path and method the document does not list must get
//     a 404 problem.
//   - A request the document rejects (unknown field, value out of range,
//     missing required header) must get a 4xx problem: the broker may not
//     accept what the contract forbids.
//   - Every answer must be one the operation documents: status, headers,
//     media type and body schema. Problems must carry X-Request-Id.
//
// It is for tests only; the broker itself never validates against the
// document at run time.
package apitest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/sparelink/sparelink/broker"
)

// Reporter is the part of testing.TB the checks report through.
type Reporter interface {
	Helper()
	Errorf(format string, args ...any)
}

// Validator checks exchanges against one OpenAPI document.
type Validator struct {
	doc     *openapi3.T
	router  routers.Router
	problem *openapi3.Schema
}

var (
	loadOnce sync.Once
	loaded   *Validator
	loadErr  error
)

// Default returns a Validator for the broker's embedded document, loaded
// once per test binary.
func Default() (*Validator, error) {
	loadOnce.Do(func() { loaded, loadErr = New(broker.OpenAPI()) })
	return loaded, loadErr
}

// New parses and validates an OpenAPI document. Its servers are ignored:
// tests run the broker on random loopback ports, so routes match on the
// path alone.
func New(spec []byte) (*Validator, error) {
	ctx := context.Background()
	doc, err := openapi3.NewLoader().LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("load openapi document: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("invalid openapi document: %w", err)
	}
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route openapi document: %w", err)
	}
	ref := doc.Components.Schemas["Problem"]
	if ref == nil || ref.Value == nil {
		return nil, errors.New("openapi document has no Problem schema")
	}
	return &Validator{doc: doc, router: router, problem: ref.Value}, nil
}

// Exchange is one request and the answer to it, bodies read in full.
type Exchange struct {
	Request     *http.Request
	RequestBody []byte
	Status      int
	Header      http.Header
	Body        []byte
}

// Check returns why x breaks the document, or nil.
func (v *Validator) Check(x Exchange) error {
	ctx := context.Background()
	req := x.Request.Clone(ctx)
	req.Body = http.NoBody
	if len(x.RequestBody) > 0 {
		req.Body = readCloser(x.RequestBody)
	}
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		if x.Status != http.StatusNotFound {
			return fmt.Errorf("undocumented route answered %d, want 404", x.Status)
		}
		return v.checkProblem(x)
	}
	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	reqErr := openapi3filter.ValidateRequest(ctx, in)
	if reqErr != nil && (x.Status < 400 || x.Status > 499) {
		return fmt.Errorf("request breaks the document (%v) but the broker answered %d", reqErr, x.Status)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: x.Status, Header: x.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	out.SetBodyBytes(x.Body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return fmt.Errorf("answer %d breaks the document: %w", x.Status, err)
	}
	if reqErr != nil {
		return v.checkProblem(x)
	}
	return nil
}

// checkProblem requires x's answer to be an RFC 9457 problem of the
// document's Problem schema.
func (v *Validator) checkProblem(x Exchange) error {
	mt, _, _ := mime.ParseMediaType(x.Header.Get("Content-Type"))
	if mt != "application/problem+json" {
		return fmt.Errorf("answer %d has content type %q, want a problem", x.Status, mt)
	}
	if x.Header.Get("X-Request-Id") == "" {
		return fmt.Errorf("answer %d has no X-Request-Id", x.Status)
	}
	body, err := decodeJSON(x.Body)
	if err != nil {
		return fmt.Errorf("answer %d: %w", x.Status, err)
	}
	if err := v.problem.VisitJSON(body, openapi3.EnableJSONSchema2020()); err != nil {
		return fmt.Errorf("answer %d is no valid problem: %w", x.Status, err)
	}
	return nil
}

// report checks x and fails t on a mismatch.
func (v *Validator) report(t Reporter, x Exchange) {
	t.Helper()
	if err := v.Check(x); err != nil {
		t.Errorf("openapi: %s %s: %v\nrequest body: %s\nanswer body: %s",
			x.Request.Method, x.Request.URL.Path, err, clip(x.RequestBody), clip(x.Body))
	}
}

// clip shortens a body for a failure message.
func clip(b []byte) []byte {
	const max = 2048
	if len(b) > max {
		return append(bytes.Clone(b[:max]), "…"...)
	}
	return b
}
