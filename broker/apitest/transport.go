package apitest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
)

// Transport returns a RoundTripper that sends requests through next
// (http.DefaultTransport when nil) and checks every exchange against the
// broker's document, failing t on a mismatch. Requests that never got an
// answer (a transport error) are not checked.
func Transport(t Reporter, next http.RoundTripper) http.RoundTripper {
	t.Helper()
	if next == nil {
		next = http.DefaultTransport
	}
	v, err := Default()
	if err != nil {
		t.Errorf("openapi: %v", err)
	}
	return &transport{t: t, v: v, next: next}
}

// Client returns an HTTP client whose transport is Transport(t, nil).
func Client(t Reporter) *http.Client {
	t.Helper()
	return &http.Client{Transport: Transport(t, nil)}
}

type transport struct {
	t    Reporter
	v    *Validator
	next http.RoundTripper
}

func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := readAll(req.Body)
	if err != nil {
		return nil, fmt.Errorf("apitest: read request body: %w", err)
	}
	sent := req.Clone(req.Context())
	sent.Body = http.NoBody
	if body != nil {
		sent.Body = readCloser(body)
	}
	resp, err := tr.next.RoundTrip(sent)
	if err != nil || tr.v == nil {
		return resp, err
	}
	answer, err := readAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("apitest: read answer body: %w", err)
	}
	resp.Body = readCloser(answer)
	tr.v.report(tr.t, Exchange{Request: req, RequestBody: body, Status: resp.StatusCode, Header: resp.Header, Body: answer})
	return resp, nil
}

// Handler returns next wrapped so that every exchange it serves is checked
// against the broker's document, failing t on a mismatch. Use it where the
// test puts a faulty network between client and broker, so that only the
// broker's own answers are held to the document. It buffers each answer,
// so it suits the API's JSON endpoints, not streams.
func Handler(t Reporter, next http.Handler) http.Handler {
	t.Helper()
	v, err := Default()
	if err != nil {
		t.Errorf("openapi: %v", err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readAll(r.Body)
		if err != nil {
			http.Error(w, "apitest: read request body", http.StatusBadRequest)
			return
		}
		r.Body = readCloser(body)
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		if v != nil {
			v.report(t, Exchange{Request: r, RequestBody: body, Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()})
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}
