package packaging

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/internal/release"
)

func TestVersion(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"tag", "v1.2.3", "1.2.3"},
		{"release candidate", "v1.2.3-rc.1", "1.2.3-rc.1"},
		{"no v", "2.0.0", "2.0.0"},
		{"dev build", "dev", "0.0.0-git"},
		{"commit", "f5b3a28", "0.0.0-git"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Version(tt.in); got != tt.want {
				t.Errorf("Version(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMissingBinary(t *testing.T) {
	_, err := Build(Config{DistDir: t.TempDir(), InstallerDir: "..", Formats: []string{"deb"},
		Targets: []release.Target{release.LinuxAMD64}}, zaptest.NewLogger(t))
	if !errors.Is(err, ErrNoBinary) {
		t.Errorf("got %v, want ErrNoBinary", err)
	}
}

// buildAll packages the host's agent and relay in every format; the
// whole matrix with real binaries is 'make packages', and the installer
// package's end-to-end test installs a package built from real ones. Here
// the binaries are small stand-ins (a static executable is not what
// these checks look at), so that 'make test' does not compile the
// daemons twice more.
func buildAll(t *testing.T) []Package {
	t.Helper()
	if testing.Short() {
		t.Skip("builds packages; skipped with -short")
	}
	host := release.Target{GOOS: "linux", GOARCH: runtime.GOARCH}
	dist := t.TempDir()
	for _, name := range []string{"sparelink-agent", "sparelink-relay"} {
		stand := []byte("#!/bin/sh\necho " + name + " v1.2.3\n")
		if err := os.WriteFile(filepath.Join(dist, host.FileName(name)), stand, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var progress bytes.Buffer
	pkgs, err := Build(Config{DistDir: dist, InstallerDir: "..", Version: "v1.2.3", Targets: []release.Target{host}, Progress: &progress}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if got := strings.Count(progress.String(), "\n"); got != len(pkgs) || len(pkgs) != 8 {
		t.Fatalf("got %d packages and %d progress lines, want 8 of each (4 formats, agent and relay)", len(pkgs), got)
	}
	return pkgs
}

func TestPackages(t *testing.T) {
	for _, p := range buildAll(t) {
		t.Run(filepath.Base(p.Path), func(t *testing.T) {
			data, err := os.ReadFile(p.Path)
			if err != nil {
				t.Fatal(err)
			}
			switch p.Format {
			case "ipk":
				checkIPK(t, p, data)
			case "deb":
				checkDeb(t, p, data)
			case "rpm":
				if !bytes.HasPrefix(data, []byte{0xed, 0xab, 0xee, 0xdb}) {
					t.Errorf("got no rpm lead magic")
				}
			case "apk":
				checkAPK(t, p, data)
			}
		})
	}
}

// tarFiles reads a (gzip'd) tar into name → contents, and name → mode.
func tarFiles(t *testing.T, data []byte, gzipped bool) (map[string]string, map[string]int64) {
	t.Helper()
	var r io.Reader = bytes.NewReader(data)
	if gzipped {
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		zr.Multistream(false)
		r = zr
	}
	files, modes := map[string]string{}, map[string]int64{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files, modes
		}
		if err != nil {
			t.Fatalf("tar: %v", err)
		}
		body, _ := io.ReadAll(tr)
		name := strings.TrimPrefix(h.Name, "./")
		files[name], modes[name] = string(body), h.Mode
	}
}
