// Package dashboard is the agent's local web dashboard: plain HTML, CSS
// and JavaScript embedded in the binary, with no build step. The page
// asks for the status API token, then polls the API (agent/status) every
// second to show the node's state, a live graph of household and shared
// traffic, sessions, the month's usage against the quota and earnings,
// and sends the owner's changes back.
//
// It serves static files only; every figure and control goes through the
// token-protected status API, which mounts this handler.
package dashboard

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed assets
var assets embed.FS

// contentPolicy keeps the page to its own files: no inline script, no
// third-party origin, no framing.
const contentPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"

// Handler serves the dashboard's files, with index.html at "/".
func Handler() http.Handler {
	root, err := fs.Sub(assets, "assets")
	if err != nil {
		panic("dashboard: embedded assets missing: " + err.Error()) // a build error, not input
	}
	files := http.FileServerFS(root)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", contentPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}
