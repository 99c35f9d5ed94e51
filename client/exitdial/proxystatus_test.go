package exitdial

import (
	"errors"
	"strings"
	"testing"
)

func TestParseProxyStatus(t *testing.T) {
	tests := []struct {
		name, in         string
		wantType, detail string
		wantErr          bool
	}{
		{"exit", `sparelink-exit; error=destination_ip_prohibited; details="not allowed"`, "destination_ip_prohibited", "not allowed", false},
		{"no details", `sparelink-exit; error=dns_error`, "dns_error", "", false},
		{"escapes", `x; error=dns_error; details="a \"b\" \\c"`, "dns_error", `a "b" \c`, false},
		{"string name", `"proxy one"; error=connection_timeout`, "connection_timeout", "", false},
		{"first error wins", `origin-side; error=connection_refused, client-side; error=proxy_internal_error`, "connection_refused", "", false},
		{"skips members without error", `cdn; received-status=200, sparelink-exit; error=dns_timeout; rcode=SERVFAIL`, "dns_timeout", "", false},
		{"other params", `p; error=dns_error; rcode=3; info-code=1.5; flag; bytes=:aGk=:; ok=?1`, "dns_error", "", false},
		{"inner list member", `(a b);x=1, p;error=dns_error`, "dns_error", "", false},
		{"no error", `sparelink-exit`, "", "", false},
		{"empty", ``, "", "", false},
		{"error not token", `p; error="dns_error"`, "", "", true},
		{"trailing comma", `p; error=dns_error,`, "", "", true},
		{"bad key", `p; Error=dns_error`, "", "", true},
		{"unterminated string", `p; error=x; details="abc`, "", "", true},
		{"bad escape", `p; error=x; details="\n"`, "", "", true},
		{"control byte", "p; error=x; details=\"a\x01\"", "", "", true},
		{"long integer", `p; error=x; n=1234567890123456`, "", "", true},
		{"bad decimal", `p; error=x; n=1.2345`, "", "", true},
		{"junk", `p error`, "", "", true},
		{"too long", "p; details=\"" + strings.Repeat("a", maxProxyStatus) + "\"", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, details, err := ParseProxyStatus(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrBadProxyStatus) {
					t.Errorf("ParseProxyStatus(%q): got %q, %q, %v, want ErrBadProxyStatus", tt.in, typ, details, err)
				}
				return
			}
			if err != nil || typ != tt.wantType || details != tt.detail {
				t.Errorf("ParseProxyStatus(%q): got %q, %q, %v, want %q, %q", tt.in, typ, details, err, tt.wantType, tt.detail)
			}
		})
	}
}

// FuzzParseProxyStatus checks that the parser never panics, that an error
// type it returns is a token, and that details survive being quoted and
// parsed again.
func FuzzParseProxyStatus(f *testing.F) {
	f.Add(`sparelink-exit; error=destination_ip_prohibited; details="not allowed"`)
	f.Add(`(a b);x=1, p;error=dns_error; n=-1.5; b=:AA==:; t=?0`)
	f.Fuzz(func(t *testing.T, v string) {
		typ, details, err := ParseProxyStatus(v)
		if err != nil {
			return
		}
		if typ == "" {
			return
		}
		for i := 0; i < len(typ); i++ {
			if !isTchar(typ[i]) && typ[i] != ':' && typ[i] != '/' {
				t.Fatalf("ParseProxyStatus(%q): type %q is not a token", v, typ)
			}
		}
		again := "p; error=" + typ + "; details=" + quoteSF(details)
		typ2, details2, err := ParseProxyStatus(again)
		if err != nil || typ2 != typ || details2 != details {
			t.Fatalf("re-parse of %q: got %q, %q, %v, want %q, %q", again, typ2, details2, err, typ, details)
		}
	})
}

// quoteSF renders a structured-field string; details hold only printable
// ASCII, so only quotes and backslashes need escaping.
func quoteSF(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
