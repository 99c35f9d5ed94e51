package console

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// serve sends one request to the console's handler.
func serve(t *testing.T, method, path string) *http.Response {
	t.Helper()
	r := httptest.NewRequest(method, "/", nil)
	r.URL.Path = path
	w := httptest.NewRecorder()
	Handler().ServeHTTP(w, r)
	return w.Result()
}

// checkSecurityHeaders fails the test unless h carries every header the
// console promises on every answer.
func checkSecurityHeaders(t *testing.T, h http.Header) {
	t.Helper()
	want := map[string]string{
		"Content-Security-Policy": ContentPolicy,
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"X-Frame-Options":         "DENY",
	}
	for name, v := range want {
		if got := h.Get(name); got != v {
			t.Errorf("header %s: got %q, want %q", name, got, v)
		}
	}
}

func TestContentPolicyIsStrict(t *testing.T) {
	directives := map[string]string{}
	for _, d := range strings.Split(ContentPolicy, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	tests := []struct{ directive, want string }{
		{"default-src", "'none'"},
		{"script-src", "'self'"},
		{"style-src", "'self'"},
		{"connect-src", "'self'"},
		{"frame-ancestors", "'none'"},
		{"base-uri", "'none'"},
		{"form-action", "'none'"},
	}
	for _, tt := range tests {
		if got := directives[tt.directive]; got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.directive, got, tt.want)
		}
	}
	if strings.Contains(ContentPolicy, "unsafe") {
		t.Errorf("got policy %q, want no unsafe-* source", ContentPolicy)
	}
}

func TestServesAssets(t *testing.T) {
	tests := []struct {
		name, path, wantType, wantBody string
	}{
		{"index at the prefix", "/console/", "text/html; charset=utf-8", `<script type="module" src="js/main.js">`},
		{"stylesheet", "/console/console.css", "text/css; charset=utf-8", ".problem"},
		{"entry module", "/console/js/main.js", "text/javascript; charset=utf-8", "signIn"},
		{"api module", "/console/js/api.js", "text/javascript; charset=utf-8", "sessionStorage"},
		{"chart module", "/console/js/chart.js", "text/javascript; charset=utf-8", "createElementNS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := serve(t, http.MethodGet, tt.path)
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: got status %d, want 200", tt.path, res.StatusCode)
			}
			if got := res.Header.Get("Content-Type"); got != tt.wantType {
				t.Errorf("GET %s: got Content-Type %q, want %q", tt.path, got, tt.wantType)
			}
			if !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("GET %s: got a body without %q", tt.path, tt.wantBody)
			}
			checkSecurityHeaders(t, res.Header)
		})
	}
}

func TestRefusals(t *testing.T) {
	tests := []struct {
		name, method, path string
		want               int
	}{
		{"missing file", http.MethodGet, "/console/nothing.js", http.StatusNotFound},
		{"outside the prefix", http.MethodGet, "/v1/balance", http.StatusNotFound},
		{"post", http.MethodPost, "/console/", http.StatusMethodNotAllowed},
		{"delete", http.MethodDelete, "/console/js/api.js", http.StatusMethodNotAllowed},
		{"escape upwards", http.MethodGet, "/console/../console.go", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := serve(t, tt.method, tt.path)
			if res.StatusCode != tt.want {
				t.Errorf("%s %s: got status %d, want %d", tt.method, tt.path, res.StatusCode, tt.want)
			}
			checkSecurityHeaders(t, res.Header)
		})
	}
}

// TestNoMarkupFromData keeps network data out of the HTML parser: no
// script may use innerHTML, outerHTML, insertAdjacentHTML, document.write
// or eval, and the page has no inline script or style.
func TestNoMarkupFromData(t *testing.T) {
	banned := []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "style="}
	err := fs.WalkDir(assets, "assets", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := assets.ReadFile(path)
		if err != nil {
			return err
		}
		for _, s := range banned {
			if strings.Contains(string(b), s) {
				t.Errorf("%s: got %q, want no markup built from strings", path, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
