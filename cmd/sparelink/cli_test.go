package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/internal/cli"
	"github.com/sparelink/sparelink/internal/demo"
)

// newRoot builds the command tree main builds, for in-process runs.
func newRoot() *cobra.Command {
	var common cli.Common
	root := cli.NewRoot("sparelink", "test", "test", &common)
	root.AddCommand(gatewayCommand(&common), loginCommand(&common), quoteCommand(&common), leaseCommand(&common),
		usageCommand(&common), balanceCommand(&common), keysCommand(&common), webhooksCommand(&common))
	return root
}

// run runs sparelink with args and stdin, returning what it printed.
func run(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(io.Discard)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := root.ExecuteContext(ctx)
	return out.String(), err
}

// mustRun is run that fails the test on error.
func mustRun(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, err := run(t, stdin, args...)
	if err != nil {
		t.Fatalf("sparelink %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// decode parses a command's --json output into v.
func decode(t *testing.T, out string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
}

// market starts the demo market: a broker, three agents with exits and a
// funded buyer. Commands log in with its buyer key.
func market(t *testing.T) demo.Info {
	t.Helper()
	for _, k := range []string{"KEY", "BROKER", "CONFIG"} {
		t.Setenv(cli.EnvName(k), "")
		os.Unsetenv(cli.EnvName(k))
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m, err := demo.Start(ctx, demo.Config{DataDir: t.TempDir()}, zaptest.NewLogger(t).Named("demo"))
	t.Cleanup(func() { _ = m.Close() })
	if err != nil {
		t.Fatalf("start market: %v", err)
	}
	return m.Info()
}

func loginFile(t *testing.T) string {
	t.Helper()
	return filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "sparelink", "login.json")
}
