package apitest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/sparelink/sparelink/broker/apitest"
)

// recorder is a Reporter that keeps what it was told instead of failing.
type recorder struct {
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// fake answers every request with one canned answer, whatever it asked.
type fake struct {
	status int
	ctype  string
	body   string
}

func (f fake) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	if f.ctype != "" {
		w.Header().Set("Content-Type", f.ctype)
	}
	w.Header().Set("X-Request-Id", "req_0123")
	w.WriteHeader(f.status)
	_, _ = io.WriteString(w, f.body)
}

const (
	problemType = "application/problem+json"
	jsonType    = "application/json"
	okHealth    = `{"status":"ok"}`
	aProblem    = `{"type":"urn:sparelink:problem:invalid_request","title":"Bad Request","status":400,"code":"invalid_request","request_id":"req_0123"}`
	notFound    = `{"type":"urn:sparelink:problem:not_found","title":"Not Found","status":404,"code":"not_found","request_id":"req_0123"}`
)

func TestValidatorCatchesDrift(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		path     string
		body     string
		answer   fake
		wantFail string // "": the exchange follows the document
	}{
		{"documented answer", "GET", "/healthz", "", fake{200, jsonType, okHealth}, ""},
		{"extra field in answer", "GET", "/healthz", "", fake{200, jsonType, `{"status":"ok","x":1}`}, "breaks the document"},
		{"undocumented status", "GET", "/healthz", "", fake{201, jsonType, okHealth}, "breaks the document"},
		{"wrong media type", "GET", "/healthz", "", fake{200, "text/plain", okHealth}, "breaks the document"},
		{"unknown route answered 404 problem", "GET", "/v1/nothing", "", fake{404, problemType, notFound}, ""},
		{"unknown route answered 200", "GET", "/v1/nothing", "", fake{200, jsonType, okHealth}, "undocumented route"},
		{"problem without request ID", "GET", "/v1/nothing", "", fake{404, problemType, `{"type":"t","title":"Not Found","status":404,"code":"not_found"}`}, "no valid problem"},
		{"bad request refused", "POST", "/v1/accounts", `{"kind":"buyer","name":"x","admin":true}`, fake{400, problemType, aProblem}, ""},
		{"bad request accepted", "POST", "/v1/accounts", `{"kind":"buyer","name":"x","admin":true}`,
			fake{201, jsonType, `{"id":"ac_1","kind":"buyer","name":"x","created_at":"2026-03-01T12:00:00Z"}`}, "request breaks the document"},
		{"refusal that is no problem", "POST", "/v1/accounts", `{"kind":"martian","name":"x"}`, fake{400, "text/plain", "no"}, "breaks the document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.answer)
			t.Cleanup(srv.Close)
			rec := &recorder{}
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.body != "" {
				req.Header.Set("Content-Type", jsonType)
			}
			resp, err := apitest.Client(rec).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(got) != tt.answer.body {
				t.Errorf("got body %q through the transport, want %q unchanged", got, tt.answer.body)
			}
			checkReport(t, rec, tt.wantFail)
		})
	}
}

// checkReport wants exactly one report containing want, or none when want
// is empty.
func checkReport(t *testing.T, rec *recorder, want string) {
	t.Helper()
	switch {
	case want == "" && len(rec.errs) > 0:
		t.Errorf("got reports %q, want none", rec.errs)
	case want != "" && (len(rec.errs) != 1 || !strings.Contains(rec.errs[0], want)):
		t.Errorf("got reports %q, want one about %q", rec.errs, want)
	}
}

func TestHandlerChecksServerSide(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(apitest.Handler(rec, fake{200, jsonType, `{"status":"down"}`}))
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != `{"status":"down"}` {
		t.Errorf("got %d %q through the handler, want the answer unchanged", resp.StatusCode, body)
	}
	checkReport(t, rec, "breaks the document")
}

func TestDocumentLoads(t *testing.T) {
	if _, err := apitest.Default(); err != nil {
		t.Fatalf("the broker's OpenAPI document: %v", err)
	}
}

func TestCheckWebhook(t *testing.T) {
	v, err := apitest.Default()
	if err != nil {
		t.Fatal(err)
	}
	good := `{"id":"evt_0a1b","type":"low_balance","account_id":"ac_1","created_at":"2026-03-01T12:00:00Z",` +
		`"data":{"available_micros":5,"threshold_micros":1000000}}`
	header := func(typ string) http.Header {
		return http.Header{"Content-Type": {jsonType}, "Sparelink-Event-Id": {"evt_0a1b"}, "Sparelink-Event-Type": {typ},
			"Sparelink-Signature": {"t=1772366400,v1=" + strings.Repeat("ab", 32)}}
	}
	tests := []struct {
		name     string
		typ      string
		header   http.Header
		body     string
		wantFail bool
	}{
		{"documented", "low_balance", header("low_balance"), good, false},
		{"undocumented type", "meteor_strike", header("meteor_strike"), good, true},
		{"type differs from body", "usage_threshold", header("usage_threshold"), good, true},
		{"missing signature", "low_balance", http.Header{"Content-Type": {jsonType}, "Sparelink-Event-Id": {"evt_0a1b"}, "Sparelink-Event-Type": {"low_balance"}}, good, true},
		{"extra data field", "low_balance", header("low_balance"), strings.Replace(good, `"threshold_micros"`, `"x":1,"threshold_micros"`, 1), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := v.CheckWebhook(tt.typ, tt.header, []byte(tt.body))
			if (err != nil) != tt.wantFail {
				t.Errorf("got %v, want failure %v", err, tt.wantFail)
			}
		})
	}
}
