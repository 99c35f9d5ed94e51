package probe

import (
	"errors"
	"strconv"
	"testing"
)

// FuzzParseBytes checks that any bytes parameter is either refused with
// ErrBadSize or yields a count inside the limit that prints back the same.
func FuzzParseBytes(f *testing.F) {
	for _, s := range []string{"1", "65536", "0", "-5", "1e6", "99999999999999999999", " 12", "+7"} {
		f.Add(s)
	}
	const limit = 64 << 20
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseBytes(s, limit)
		if err != nil {
			if !errors.Is(err, ErrBadSize) {
				t.Fatalf("ParseBytes(%q): got %v, want ErrBadSize", s, err)
			}
			return
		}
		if n < 1 || n > limit {
			t.Fatalf("ParseBytes(%q) = %d, outside 1..%d", s, n, limit)
		}
		if back, _ := strconv.ParseInt(s, 10, 64); back != n {
			t.Fatalf("ParseBytes(%q) = %d, but the text reads %d", s, n, back)
		}
	})
}

// FuzzParseUploadReply checks that no server reply makes the prober
// panic or accept a negative count.
func FuzzParseUploadReply(f *testing.F) {
	for _, s := range []string{`{"received_bytes": 1048576}`, `{"received_bytes": -1}`, `{}`, `[`, `{"received_bytes": 1e400}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		n, err := ParseUploadReply(raw)
		if err == nil && n < 0 {
			t.Fatalf("ParseUploadReply(%q) = %d, want a count of zero or more", raw, n)
		}
	})
}
