package quicexit

import (
	"net/http"
	"strings"
	"testing"
)

func TestParseUDPPath(t *testing.T) {
	p := udpPathPrefix
	tests := []struct {
		name, in, want string
	}{
		{"ipv4", p + "192.0.2.1/53/", "192.0.2.1:53"},
		{"name", p + "Example.COM/443/", "example.com:443"},
		{"encoded ipv6", p + "2001%3Adb8%3A%3A1/53/", "[2001:db8::1]:53"},
		{"lower-case escape", p + "2001%3adb8%3a%3a1/53/", "[2001:db8::1]:53"},
		{"encoded name", p + "%65xample.com/53/", "example.com:53"},
		{"bare ipv6", p + "2001:db8::1/53/", "[2001:db8::1]:53"},
		{"top port", p + "example.com/65535/", "example.com:65535"},
		{"no trailing slash", p + "example.com/53", ""},
		{"double trailing slash", p + "example.com/53//", ""},
		{"no port", p + "example.com//", ""},
		{"no host", p + "/53/", ""},
		{"port zero", p + "example.com/0/", ""},
		{"leading zero port", p + "example.com/053/", ""},
		{"port too big", p + "example.com/65536/", ""},
		{"encoded port", p + "example.com/%353/", ""},
		{"extra segment", p + "a/b/53/", ""},
		{"encoded slash", p + "a%2Fb/53/", ""},
		{"query", p + "example.com/53/?q", ""},
		{"fragment", p + "example.com/53/#f", ""},
		{"bad escape", p + "exa%zzmple.com/53/", ""},
		{"bracketed", p + "%5B2001%3Adb8%3A%3A1%5D/53/", ""},
		{"zone", p + "fe80%3A%3A1%25eth0/53/", ""},
		{"short ipv4", p + "127.1/53/", ""},
		{"userinfo", p + "u%40example.com/53/", ""},
		{"other prefix", "/.well-known/masque/ip/example.com/53/", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseUDPPath(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Errorf("parseUDPPath(%q): got %q, want an error", tt.in, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("parseUDPPath(%q): got %q, %v, want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// FuzzParseUDPPath checks that parseUDPPath never panics, that what it
// accepts is a target parseTarget accepts unchanged, and that expanding
// the template with that target reads back the same target.
func FuzzParseUDPPath(f *testing.F) {
	for _, s := range []string{
		udpPathPrefix + "example.com/443/", udpPathPrefix + "2001%3Adb8%3A%3A1/53/",
		udpPathPrefix + "127.0.0.1/0/", udpPathPrefix + "%5B%3A%3A1%5D/53/", udpPathPrefix + "a%2Fb/1/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := parseUDPPath(in)
		if err != nil {
			return
		}
		if again, err := parseTarget(out); err != nil || again != out {
			t.Fatalf("parseUDPPath(%q) = %q, which parseTarget reads as %q, %v", in, out, again, err)
		}
		path := udpPath(out)
		if back, err := parseUDPPath(path); err != nil || back != out {
			t.Fatalf("parseUDPPath(%q) = %q, expanded to %q, read back as %q, %v", in, out, path, back, err)
		}
	})
}

func TestUDPPayload(t *testing.T) {
	tests := []struct {
		name   string
		in     []byte
		want   string
		wantOK bool
	}{
		{"context 0", []byte{0, 'h', 'i'}, "hi", true},
		{"context 0 empty", []byte{0}, "", true},
		{"context 0 two-byte varint", []byte{0x40, 0x00, 'x'}, "x", true},
		{"context 2", []byte{2, 'x'}, "", false},
		{"truncated varint", []byte{0x80, 0}, "", false},
		{"empty", nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := udpPayload(tt.in)
			if ok != tt.wantOK || string(got) != tt.want {
				t.Errorf("udpPayload(% x): got %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// FuzzUDPPayload checks that udpPayload never panics and that a payload
// it returns is a suffix of the datagram.
func FuzzUDPPayload(f *testing.F) {
	f.Add([]byte{0, 1, 2})
	f.Add([]byte{0x40, 0x00})
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, d []byte) {
		p, ok := udpPayload(d)
		if ok && (len(p) >= len(d) || string(d[len(d)-len(p):]) != string(p)) {
			t.Fatalf("udpPayload(% x) = % x: want a proper suffix", d, p)
		}
	})
}

func TestCapsuleProtocol(t *testing.T) {
	tests := []struct {
		name string
		vals []string
		want bool
	}{
		{"true", []string{"?1"}, true},
		{"with parameter", []string{"?1;a=2"}, true},
		{"outer spaces", []string{" ?1 "}, true},
		{"false", []string{"?0"}, false},
		{"token", []string{"yes"}, false},
		{"space before parameter", []string{"?1 ;a"}, false},
		{"twice", []string{"?1", "?1"}, false},
		{"missing", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tt.vals {
				h.Add("Capsule-Protocol", v)
			}
			if got := capsuleProtocol(h); got != tt.want {
				t.Errorf("capsuleProtocol(%q): got %v, want %v", tt.vals, got, tt.want)
			}
		})
	}
}

// FuzzCapsuleProtocol checks that capsuleProtocol never panics and only
// accepts values whose item is ?1.
func FuzzCapsuleProtocol(f *testing.F) {
	f.Add("?1")
	f.Add("?1;x")
	f.Add("?0")
	f.Fuzz(func(t *testing.T, v string) {
		if capsuleProtocol(http.Header{"Capsule-Protocol": {v}}) && !strings.HasPrefix(strings.TrimLeft(v, " \t"), "?1") {
			t.Fatalf("capsuleProtocol(%q) = true: want values starting with ?1", v)
		}
	})
}
