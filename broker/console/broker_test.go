package console_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/sparelink/sparelink/broker/console"
	"github.com/sparelink/sparelink/internal/nodetest"
)

// noRedirects is a client that shows redirects instead of following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// TestBrokerServesConsole checks the console as the broker serves it: the
// files with their types and the security headers, the short path's
// redirect, and the API's own answers left as they were.
func TestBrokerServesConsole(t *testing.T) {
	m := nodetest.NewMarket(t)
	tests := []struct {
		name, path   string
		wantStatus   int
		wantType     string
		wantLocation string
		wantPolicy   bool
	}{
		{"index", "/console/", http.StatusOK, "text/html; charset=utf-8", "", true},
		{"style", "/console/console.css", http.StatusOK, "text/css; charset=utf-8", "", true},
		{"module", "/console/js/usage.js", http.StatusOK, "text/javascript; charset=utf-8", "", true},
		{"short path", "/console", http.StatusTemporaryRedirect, "", "/console/", false},
		{"missing file", "/console/missing.png", http.StatusNotFound, "text/plain; charset=utf-8", "", true},
		{"api untouched", "/v1/balance", http.StatusUnauthorized, "application/problem+json", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := noRedirects.Get(m.URL + tt.path)
			if err != nil {
				t.Fatalf("GET %s: %v", tt.path, err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("GET %s: got status %d, want %d", tt.path, res.StatusCode, tt.wantStatus)
			}
			if got := res.Header.Get("Content-Type"); tt.wantType != "" && got != tt.wantType {
				t.Errorf("GET %s: got Content-Type %q, want %q", tt.path, got, tt.wantType)
			}
			if got := res.Header.Get("Location"); got != tt.wantLocation {
				t.Errorf("GET %s: got Location %q, want %q", tt.path, got, tt.wantLocation)
			}
			checkHeaders(t, res.Header, tt.wantPolicy)
		})
	}
}

// checkHeaders checks the console's security headers on h, or their
// absence on answers that are not the console's.
func checkHeaders(t *testing.T, h http.Header, want bool) {
	t.Helper()
	policy := h.Get("Content-Security-Policy")
	if !want {
		if policy != "" {
			t.Errorf("got Content-Security-Policy %q outside the console, want none", policy)
		}
		return
	}
	for name, v := range map[string]string{
		"Content-Security-Policy": console.ContentPolicy, "X-Content-Type-Options": "nosniff",
		"Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
	} {
		if got := h.Get(name); got != v {
			t.Errorf("header %s: got %q, want %q", name, got, v)
		}
	}
	for _, d := range []string{"script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(policy, d) {
			t.Errorf("got policy %q, want it to hold %q", policy, d)
		}
	}
	if h.Get("X-Request-Id") == "" {
		t.Errorf("got no X-Request-Id, want the broker to name every answer")
	}
}
