package release

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseSums(t *testing.T) {
	h := fmt.Sprintf("%x", sha256.Sum256([]byte("x")))
	tests := []struct {
		name      string
		data      string
		wantNames []string
		wantErr   error
	}{
		{"text mode", h + "  a.deb\n" + h + "  b.ipk\n", []string{"a.deb", "b.ipk"}, nil},
		{"binary mode and CRLF", h + " *a.deb\r\n", []string{"a.deb"}, nil},
		{"name with a space", h + "  my file\n", []string{"my file"}, nil},
		{"empty", "", nil, nil},
		{"path", h + "  ../etc/passwd\n", nil, ErrMalformed},
		{"subdirectory", h + "  bin/agent\n", nil, ErrMalformed},
		{"short hash", h[:10] + "  a\n", nil, ErrMalformed},
		{"not hex", strings.Repeat("zz", 32) + "  a\n", nil, ErrMalformed},
		{"one space", h + " a\n", nil, ErrMalformed},
		{"duplicate", h + "  a\n" + h + "  a\n", nil, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sums, err := ParseSums([]byte(tt.data))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseSums: got error %v, want %v", err, tt.wantErr)
			}
			var names []string
			for _, s := range sums {
				names = append(names, s.Name)
			}
			if got, want := strings.Join(names, ","), strings.Join(tt.wantNames, ","); got != want {
				t.Errorf("got names %q, want %q", got, want)
			}
		})
	}
}

// releaseDir writes files into a new directory and signs them.
func releaseDir(t *testing.T, key SecretKey, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	var names []string
	for n, body := range files {
		writeTemp(t, dir, n, []byte(body))
		names = append(names, n)
	}
	if err := SignDir(dir, names, key, "sparelink test"); err != nil {
		t.Fatalf("SignDir: %v", err)
	}
	return dir
}

func TestVerifyDir(t *testing.T) {
	key := newKey(t)
	files := map[string]string{"agent.deb": "deb", "agent.ipk": "ipk"}
	tests := []struct {
		name          string
		change        func(t *testing.T, dir string)
		key           PublicKey
		ignoreMissing bool
		wantChecked   int
		wantErr       error
	}{
		{"intact", func(*testing.T, string) {}, key.Public(), false, 2, nil},
		{"changed file", func(t *testing.T, dir string) { writeTemp(t, dir, "agent.ipk", []byte("evil")) }, key.Public(), false, 0, ErrMismatch},
		{"missing file", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "agent.ipk")) }, key.Public(), false, 0, ErrMissing},
		{"missing file ignored", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "agent.ipk")) }, key.Public(), true, 1, nil},
		{"all missing", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "agent.ipk"))
			os.Remove(filepath.Join(dir, "agent.deb"))
		}, key.Public(), true, 0, ErrNoFiles},
		{"sums edited", func(t *testing.T, dir string) {
			sums, _ := HashFiles(dir, []string{"agent.deb"})
			writeTemp(t, dir, SumsFile, FormatSums(sums))
		}, key.Public(), false, 0, ErrBadSignature},
		{"other key", func(*testing.T, string) {}, newKey(t).Public(), false, 0, ErrWrongKey},
		{"no signature", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, SigFile)) }, key.Public(), false, 0, os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := releaseDir(t, key, files)
			tt.change(t, dir)
			got, err := VerifyDir(dir, tt.key, tt.ignoreMissing)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("VerifyDir: got error %v, want %v", err, tt.wantErr)
			}
			if len(got.Checked) != tt.wantChecked {
				t.Errorf("got %d files checked (%v), want %d", len(got.Checked), got.Checked, tt.wantChecked)
			}
			if err == nil && got.TrustedComment != "sparelink test" {
				t.Errorf("got trusted comment %q, want %q", got.TrustedComment, "sparelink test")
			}
		})
	}
}

func TestSumsMatchSha256sum(t *testing.T) {
	dir := releaseDir(t, newKey(t), map[string]string{"b": "two", "a": "one"})
	data, err := os.ReadFile(filepath.Join(dir, SumsFile))
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%x  a\n%x  b\n", sha256.Sum256([]byte("one")), sha256.Sum256([]byte("two")))
	if string(data) != want {
		t.Errorf("got SHA256SUMS %q, want %q", data, want)
	}
}
