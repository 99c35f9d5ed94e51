package broker

import (
	"strings"
	"testing"
)

// FuzzPairingCode checks that any text either is refused or normalises
// to a canonical code that normalises to itself.
func FuzzPairingCode(f *testing.F) {
	for _, s := range []string{"ABCD-EFGH-JKMN", "abcd efgh jkmn", "ABCDEFGHJKMN", "", "ABCD-EFGH-IJKL", "ÄBCD-EFGH-JKMN", "----", "0123456789ABCDEFGH"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, ok := normalizePairingCode(s)
		if !ok {
			return
		}
		if len(code) != 14 || strings.Count(code, "-") != 2 {
			t.Fatalf("normalizePairingCode(%q) = %q, want XXXX-XXXX-XXXX", s, code)
		}
		if again, ok := normalizePairingCode(code); !ok || again != code {
			t.Fatalf("normalizePairingCode(%q) = %q, %v; want it unchanged", code, again, ok)
		}
	})
}

func TestNewPairingCodesNormalise(t *testing.T) {
	for range 100 {
		c := newPairingCode()
		if got, ok := normalizePairingCode(c); !ok || got != c {
			t.Fatalf("new code %q normalises to %q, %v", c, got, ok)
		}
	}
}
