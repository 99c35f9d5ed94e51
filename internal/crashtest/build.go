package crashtest

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
)

// BrokerPackage is the command Build compiles.
const BrokerPackage = "github.com/sparelink/sparelink/cmd/sparelink-broker"

// Build compiles the broker command into dir and returns the binary's
// path. It runs the go command found in PATH (go test puts its own first),
// so it works from any package of the module.
func Build(ctx context.Context, dir string) (string, error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("build broker: go command: %w", err)
	}
	out := filepath.Join(dir, "sparelink-broker")
	// #nosec G204 -- the command and its arguments are fixed; only the
	// output path varies, and it is the caller's directory.
	cmd := exec.CommandContext(ctx, gobin, "build", "-o", out, BrokerPackage)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build broker: %w: %s", err, msg)
	}
	return out, nil
}
