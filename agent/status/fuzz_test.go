package status

import (
	"strings"
	"testing"
)

// FuzzBearerToken feeds Authorization header values, as any local
// process may send them, to the parser: it must not panic, and a token it
// returns must be non-empty without white space.
func FuzzBearerToken(f *testing.F) {
	f.Add("Bearer 0123abcd")
	f.Add("bearer  x ")
	f.Add("Basic dXNlcjpwYXNz")
	f.Fuzz(func(t *testing.T, header string) {
		tok, ok := BearerToken(header)
		if !ok {
			return
		}
		if tok == "" || strings.ContainsAny(tok, " \t") {
			t.Fatalf("BearerToken(%q) accepted %q", header, tok)
		}
		if !strings.Contains(header, tok) {
			t.Fatalf("BearerToken(%q) returned %q, not part of the header", header, tok)
		}
	})
}
