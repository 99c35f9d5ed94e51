package broker_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/sparelink/sparelink/broker/api"
)

// rawResponse is an HTTP answer read in full.
type rawResponse struct {
	status      int
	contentType string
	header      http.Header
	body        []byte
}

// problem decodes the body as a problem, failing the test if it is none.
func (r rawResponse) problem(t *testing.T) api.Problem {
	t.Helper()
	var p api.Problem
	if r.contentType != api.ProblemContentType {
		t.Fatalf("got content type %q, want %q (body %s)", r.contentType, api.ProblemContentType, r.body)
	}
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("decode problem %s: %v", r.body, err)
	}
	return p
}

// raw sends a request with a literal body, bypassing the SDK, so that
// tests can send what the SDK never would. The exchange is still checked
// against the OpenAPI document: what it refuses, the broker must refuse.
func (m *market) raw(method, path, key string, body []byte, header map[string]string) rawResponse {
	m.t.Helper()
	req, err := http.NewRequestWithContext(m.ctx, method, m.url+path, bytes.NewReader(body))
	if err != nil {
		m.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := m.http.Do(req)
	if err != nil {
		m.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		m.t.Fatal(err)
	}
	return rawResponse{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), header: resp.Header, body: data}
}

// rawJSON is raw with v encoded as the body.
func (m *market) rawJSON(method, path, key string, v any) rawResponse {
	m.t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		m.t.Fatal(err)
	}
	return m.raw(method, path, key, data, nil)
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
