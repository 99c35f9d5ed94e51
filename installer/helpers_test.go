package installer

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/internal/release"
)

// hostTarget is the release target of this machine.
var hostTarget = release.Target{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH}

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// binaries builds the agent and the relay for this machine once per test
// run, as release builds are made, and returns their directory.
func binaries(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the agent and the relay; skipped with -short")
	}
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "sparelink-installer-test-")
		if buildErr != nil {
			return
		}
		bins := []release.Binary{
			{Name: "sparelink-agent", Package: "./cmd/sparelink-agent", Targets: []release.Target{hostTarget}},
			{Name: "sparelink-relay", Package: "./cmd/sparelink-relay", Targets: []release.Target{hostTarget}},
		}
		_, buildErr = release.Build(context.Background(), release.BuildConfig{
			ModuleDir: "..", OutDir: buildDir, Version: "v0.0.1-test", Binaries: bins,
		}, zap.NewNop())
	})
	if buildErr != nil {
		t.Fatalf("build binaries: %v", buildErr)
	}
	return buildDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// scripts are the shell scripts the packages and releases ship.
var scripts = []string{
	"install.sh",
	"scripts/postinstall.sh", "scripts/preremove.sh", "scripts/postremove.sh",
	"openwrt/sparelink-agent.init", "openwrt/sparelink-relay.init",
	"openwrt/postinst", "openwrt/prerm",
	"openrc/sparelink-agent", "openrc/sparelink-relay",
	"testdata/openwrt-functions.sh", "testdata/openwrt-rc.common",
}

// run runs a command and returns its combined output.
func run(t *testing.T, env []string, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func writeFile(t *testing.T, dir, name, body string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func lines(s string) []string { return strings.Split(strings.TrimSpace(s), "\n") }
