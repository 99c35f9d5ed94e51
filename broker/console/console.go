// Package console is the broker's web console for buyers: plain HTML,
// CSS and JavaScript modules embedded in the binary, with no build step
// and nothing fetched from another origin, so the page works offline.
//
// The page asks for an API key, keeps it in the tab's sessionStorage only,
// and calls the broker's REST API with it as a bearer token: supply by
// country, quotes, leases with their exits, live usage and spend, the
// balance and ledger, keys and webhooks. The handler serves static files
// only; every figure comes from the /v1 API, which checks the key and its
// scope as it does for any other client. See docs/console.md.
package console

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

// Prefix is the path the console is served under.
const Prefix = "/console/"

//go:embed assets
var assets embed.FS

// ContentPolicy keeps the page to its own files: scripts and styles only
// from the broker (no inline code), fetches only to the broker's API, and
// no framing by any other page.
const ContentPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"

// Handler serves the console's files under Prefix, with index.html at
// Prefix itself. Every answer, errors included, carries the security
// headers (SecurityHeaders); methods other than GET and HEAD get 405.
func Handler() http.Handler {
	root, err := fs.Sub(assets, "assets")
	if err != nil {
		panic("console: embedded assets missing: " + err.Error()) // a build error, not input
	}
	files := http.StripPrefix(strings.TrimSuffix(Prefix, "/"), http.FileServerFS(root))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SecurityHeaders(w.Header())
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if !servable(r.URL.Path) {
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	})
}

// servable reports whether path names a file the handler may serve: the
// index at Prefix, or a valid file name under it. Folders get no listings,
// and names fs.FS rejects (invalid UTF-8, "..") are not found rather than
// a server error.
func servable(path string) bool {
	name, ok := strings.CutPrefix(path, Prefix)
	return ok && (name == "" || fs.ValidPath(name) && !strings.HasSuffix(name, "/"))
}

// SecurityHeaders sets the headers every console answer carries: the
// content policy, no MIME sniffing, no referrer (the page never puts a
// key in a URL, and this keeps even paths from leaking), no framing, and
// no caching of stale scripts after an upgrade.
func SecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", ContentPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cache-Control", "no-cache")
}
