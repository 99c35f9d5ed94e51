package quicexit

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"name", "example.com:443", "example.com:443"},
		{"upper case name", "Example.COM:80", "example.com:80"},
		{"rooted name", "example.com.:80", "example.com.:80"},
		{"underscore", "_srv.example.com:8080", "_srv.example.com:8080"},
		{"ipv4", "192.0.2.1:65535", "192.0.2.1:65535"},
		{"ipv6", "[2001:DB8::1]:443", "[2001:db8::1]:443"},
		{"mapped ipv6", "[::ffff:192.0.2.1]:1", "[::ffff:192.0.2.1]:1"},
		{"no port", "example.com", ""},
		{"empty port", "example.com:", ""},
		{"port zero", "example.com:0", ""},
		{"port too big", "example.com:65536", ""},
		{"leading zero port", "example.com:0443", ""},
		{"signed port", "example.com:+443", ""},
		{"named port", "example.com:https", ""},
		{"empty host", ":443", ""},
		{"bare ipv6", "2001:db8::1:443", ""},
		{"bracketed ipv4", "[192.0.2.1]:443", ""},
		{"zone", "[fe80::1%25eth0]:443", ""},
		{"short ipv4", "127.1:80", ""},
		{"octal ipv4", "0177.0.0.1:80", ""},
		{"numeric name", "2130706433:80", ""},
		{"space", "exa mple.com:80", ""},
		{"userinfo", "user@example.com:80", ""},
		{"leading hyphen", "-a.example.com:80", ""},
		{"empty label", "a..example.com:80", ""},
		{"long label", strings.Repeat("a", 64) + ".com:80", ""},
		{"path", "example.com:80/x", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseTarget(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Errorf("parseTarget(%q): got %q, want an error", tt.in, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("parseTarget(%q): got %q, %v, want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// FuzzParseTarget checks that parseTarget never panics, that what it
// accepts is a host:port with a port in range, and that its output is a
// fixed point.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"example.com:443", "[::1]:80", "127.0.0.1:8080", "127.1:80", "a:0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := parseTarget(in)
		if err != nil {
			return
		}
		_, port, err := net.SplitHostPort(out)
		if err != nil {
			t.Fatalf("parseTarget(%q) = %q, which does not split: %v", in, out, err)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			t.Fatalf("parseTarget(%q) = %q: port out of range", in, out)
		}
		again, err := parseTarget(out)
		if err != nil || again != out {
			t.Fatalf("parseTarget(%q) = %q, then %q, %v: want a fixed point", in, out, again, err)
		}
	})
}

func TestBearerToken(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   string
		ok     bool
	}{
		{"bearer", []string{"Bearer abc"}, "abc", true},
		{"lower case scheme", []string{"bearer abc"}, "abc", true},
		{"basic", []string{"Basic abc"}, "", false},
		{"no token", []string{"Bearer "}, "", false},
		{"no space", []string{"Bearerabc"}, "", false},
		{"two tokens", []string{"Bearer a b"}, "", false},
		{"two headers", []string{"Bearer a", "Bearer b"}, "", false},
		{"none", nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"Proxy-Authorization": tt.values}
			got, ok := bearerToken(h)
			if ok != tt.ok || (ok && got != tt.want) {
				t.Errorf("bearerToken(%q): got %q, %v, want %q, %v", tt.values, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// FuzzBearerToken checks that bearerToken never panics and returns only
// non-empty tokens without blanks.
func FuzzBearerToken(f *testing.F) {
	f.Add("Bearer slt1.a.b")
	f.Add("Basic dXNlcg==")
	f.Fuzz(func(t *testing.T, v string) {
		tok, ok := bearerToken(http.Header{"Proxy-Authorization": {v}})
		if ok && (tok == "" || strings.ContainsAny(tok, " \t")) {
			t.Fatalf("bearerToken(%q) = %q: want a non-empty token without blanks", v, tok)
		}
	})
}
