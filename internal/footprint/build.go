package footprint

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"go.uber.org/zap"
)

const mib = 1 << 20

// minimalMain is the baseline program: the Go runtime and nothing else,
// asleep so that its idle figures can be read too.
const minimalMain = `package main

import "time"

func main() { time.Sleep(time.Hour) }
`

// workDir holds the builds of one run.
type workDir struct{ path string }

func newWorkDir() (*workDir, error) {
	p, err := os.MkdirTemp("", "sparelink-footprint-")
	if err != nil {
		return nil, err
	}
	return &workDir{path: p}, nil
}

func (w *workDir) remove() { os.RemoveAll(w.path) }

// minimalModule writes the baseline program's module once and returns its
// directory.
func (w *workDir) minimalModule() (string, error) {
	dir := filepath.Join(w.path, "minimal")
	if _, err := os.Stat(filepath.Join(dir, "main.go")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module minimal\n\ngo 1.22\n"), 0o644); err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, "main.go"), []byte(minimalMain), 0o644)
}

// build compiles pkg in dir for t the way releases are built (static,
// stripped, no paths) and returns the binary's path.
func build(ctx context.Context, goCmd, dir, pkg string, t Target, out string) (string, error) {
	cmd := exec.CommandContext(ctx, goCmd, "build", "-trimpath", "-ldflags", "-s -w", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off",
		"GOOS="+t.GOOS, "GOARCH="+t.GOARCH, "GOARM="+t.GOARM, "GOMIPS="+t.GOMIPS)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build %s for %s: %w: %s", pkg, t.Name(), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// measureSizes builds the baseline and the agent for every target.
func measureSizes(ctx context.Context, cfg Config, w *workDir, log *zap.Logger) ([]Row, error) {
	minDir, err := w.minimalModule()
	if err != nil {
		return nil, err
	}
	var rows []Row
	for _, t := range cfg.Targets {
		base, err := sizeOf(ctx, cfg.Go, minDir, ".", t, filepath.Join(w.path, "minimal-"+t.Name()))
		if err != nil {
			return rows, err
		}
		agent, err := sizeOf(ctx, cfg.Go, cfg.ModuleDir, cfg.Package, t, filepath.Join(w.path, "agent-"+t.Name()))
		if err != nil {
			return rows, err
		}
		b := row("go_minimal_size_"+t.Name(), float64(base)/mib, "MiB", nil)
		rows = append(rows, b, row("agent_size_"+t.Name(), float64(agent)/mib, "MiB", &b))
		log.Info("measured binary size", zap.String("target", t.Name()), zap.Int64("bytes", agent))
	}
	return rows, nil
}

func sizeOf(ctx context.Context, goCmd, dir, pkg string, t Target, out string) (int64, error) {
	path, err := build(ctx, goCmd, dir, pkg, t, out)
	if err != nil {
		return 0, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// moduleDir finds the root of the module in the working directory.
func moduleDir(ctx context.Context, goCmd string) (string, error) {
	out, err := exec.CommandContext(ctx, goCmd, "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside a Go module; set Config.ModuleDir")
	}
	return filepath.Dir(gomod), nil
}
