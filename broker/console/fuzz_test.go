package console

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzHandler sends request paths from the network to the handler: it
// must never panic, always send the security headers, answer only 200,
// 301, 404 or 405, and serve nothing but the embedded assets.
func FuzzHandler(f *testing.F) {
	for _, seed := range []string{"/console/", "/console/js/main.js", "/x"} {
		f.Add(seed)
	}
	known := map[string]bool{}
	_ = fs.WalkDir(assets, "assets", func(path string, d fs.DirEntry, _ error) error {
		if d != nil && !d.IsDir() {
			b, _ := assets.ReadFile(path)
			known[string(b)] = true
		}
		return nil
	})
	h := Handler()
	f.Fuzz(func(t *testing.T, path string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.URL.Path = path
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		res := w.Result()
		if got := res.Header.Get("Content-Security-Policy"); got != ContentPolicy {
			t.Fatalf("path %q: got policy %q, want %q", path, got, ContentPolicy)
		}
		body, _ := io.ReadAll(res.Body)
		switch res.StatusCode {
		case http.StatusOK:
			if !strings.HasPrefix(path, Prefix) {
				t.Fatalf("path %q: got 200 outside %s", path, Prefix)
			}
			if !known[string(body)] {
				t.Fatalf("path %q: got a body that is no embedded asset", path)
			}
		case http.StatusMovedPermanently, http.StatusNotFound, http.StatusMethodNotAllowed:
		default:
			t.Fatalf("path %q: got status %d", path, res.StatusCode)
		}
	})
}
