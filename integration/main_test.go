package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The binaries under test, as README.md lists them.
const (
	binCLI    = "sparelink"
	binBroker = "sparelink-broker"
	binAgent  = "sparelink-agent"
	binRelay  = "sparelink-relay"
	binBench  = "sparelink-bench"
)

// buildTimeout bounds the one build of every binary.
const buildTimeout = 5 * time.Minute

var (
	binDir    string // set by TestMain; filled on first use by binary
	buildOnce sync.Once
	buildErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sparelink-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration: temp dir:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// binary returns the path of a freshly built binary. The first call builds
// all of them with `go build ./cmd/...` from the module root; a build
// failure fails every test that needs a binary.
func binary(t testing.TB, name string) string {
	t.Helper()
	buildOnce.Do(func() { buildErr = buildAll(binDir) })
	if buildErr != nil {
		t.Fatalf("build binaries: %v", buildErr)
	}
	return filepath.Join(binDir, name)
}

// buildAll builds the binaries normally (without the race detector, which
// only the test process itself runs under).
func buildAll(dir string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", dir+string(filepath.Separator), "./cmd/...")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/... in %s: %w\n%s", root, err, out)
	}
	return nil
}

// moduleRoot is the directory of the go.mod that governs the test's working
// directory.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("go env GOMOD: not inside a module")
	}
	return filepath.Dir(gomod), nil
}
