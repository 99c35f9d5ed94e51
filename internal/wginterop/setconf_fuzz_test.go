package wginterop

import (
	"errors"
	"strings"
	"testing"
)

// FuzzSetConf checks that splitQuick never panics, fails only with
// errNotQuick, and that what it keeps is what `wg setconf` may read: no
// wg-quick-only key, every line taken from the input.
func FuzzSetConf(f *testing.F) {
	f.Add(renderedConfig)
	f.Add("[Interface]\nAddress = 10.0.0.2/32\n")
	f.Add("[Interface]\nMTU = 70000\nAddress = 10.0.0.2/32\n")
	f.Fuzz(func(t *testing.T, text string) {
		got, err := splitQuick(text)
		if err != nil {
			if !errors.Is(err, errNotQuick) {
				t.Fatalf("splitQuick: got %v, want an errNotQuick", err)
			}
			return
		}
		if len(got.Addresses) == 0 {
			t.Fatalf("splitQuick succeeded with no addresses")
		}
		inInterface := false
		for line := range strings.Lines(got.Conf) {
			line = strings.TrimSpace(line)
			if strings.HasPrefix(line, "[") {
				inInterface = strings.EqualFold(line, "[Interface]")
			}
			key, _, _ := strings.Cut(line, "=")
			if inInterface && quickOnly[strings.ToLower(strings.TrimSpace(key))] {
				t.Fatalf("kept wg-quick-only line %q", line)
			}
			if !strings.Contains(text, line) {
				t.Fatalf("kept line %q that is not in the input", line)
			}
		}
	})
}
