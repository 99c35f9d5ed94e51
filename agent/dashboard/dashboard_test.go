package dashboard_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sparelink/sparelink/agent/dashboard"
)

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(dashboard.Handler())
	t.Cleanup(srv.Close)
	tests := []struct {
		name, method, path string
		wantCode           int
		wantType, wantBody string
	}{
		{"index at the root", "GET", "/", 200, "text/html", `<canvas id="graph"`},
		{"script", "GET", "/app.js", 200, "javascript", "/v1/status"},
		{"style", "GET", "/app.css", 200, "text/css", "--household"},
		{"head", "HEAD", "/app.js", 200, "javascript", ""},
		{"missing file", "GET", "/secret.txt", 404, "", ""},
		{"no posts", "POST", "/", 405, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			rsp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer rsp.Body.Close()
			body, _ := io.ReadAll(rsp.Body)
			if rsp.StatusCode != tt.wantCode {
				t.Fatalf("%s %s: got %d, want %d", tt.method, tt.path, rsp.StatusCode, tt.wantCode)
			}
			if ct := rsp.Header.Get("Content-Type"); !strings.Contains(ct, tt.wantType) {
				t.Errorf("Content-Type: got %q, want it to contain %q", ct, tt.wantType)
			}
			if !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("body lacks %q", tt.wantBody)
			}
			if tt.wantCode == 200 {
				csp := rsp.Header.Get("Content-Security-Policy")
				if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
					t.Errorf("Content-Security-Policy: got %q, want scripts from the agent only and no framing", csp)
				}
			}
		})
	}
}

func TestPageHasNoInlineScript(t *testing.T) {
	srv := httptest.NewServer(dashboard.Handler())
	t.Cleanup(srv.Close)
	rsp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	page, _ := io.ReadAll(rsp.Body)
	for _, bad := range []string{"<script>", " onclick=", " onload=", "http://", "https://"} {
		if strings.Contains(string(page), bad) {
			t.Errorf("index.html contains %q; the content policy forbids inline script and other origins", bad)
		}
	}
}
