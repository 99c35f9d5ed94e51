package release

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"go.uber.org/zap"
)

// versionVar is the link-time variable release builds stamp.
const versionVar = "github.com/sparelink/sparelink/internal/buildinfo.Version"

// BuildConfig configures Build. The zero value builds every binary of
// Binaries() from the current directory into dist/ as version "dev".
type BuildConfig struct {
	// ModuleDir is the module root (default ".").
	ModuleDir string
	// OutDir receives the binaries (default "dist").
	OutDir string
	// Version is stamped into every binary (default "dev").
	Version string
	// Go is the go command (default "go").
	Go string
	// Binaries is the matrix (default Binaries()).
	Binaries []Binary
	// Progress receives one line per target (default: discarded).
	Progress io.Writer
}

// Artifact is one built binary.
type Artifact struct {
	Binary string
	Target Target
	// Path is the file in OutDir; Size its length in bytes.
	Path string
	Size int64
}

func (c BuildConfig) withDefaults() BuildConfig {
	if c.ModuleDir == "" {
		c.ModuleDir = "."
	}
	if c.OutDir == "" {
		c.OutDir = "dist"
	}
	if c.Version == "" {
		c.Version = "dev"
	}
	if c.Go == "" {
		c.Go = "go"
	}
	if c.Binaries == nil {
		c.Binaries = Binaries()
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return c
}

// Build cross-compiles every binary for each of its targets: static
// (CGO_ENABLED=0), without local paths (-trimpath), stripped (-s -w) and
// stamped with the version.
func Build(ctx context.Context, cfg BuildConfig, log *zap.Logger) ([]Artifact, error) {
	cfg = cfg.withDefaults()
	out, err := filepath.Abs(cfg.OutDir)
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	var arts []Artifact
	for _, b := range cfg.Binaries {
		for _, t := range b.Targets {
			a, err := buildOne(ctx, cfg, out, b, t)
			if err != nil {
				return arts, err
			}
			log.Debug("built", zap.String("binary", b.Name), zap.Stringer("target", t), zap.Int64("bytes", a.Size))
			arts = append(arts, a)
		}
	}
	return arts, nil
}

func buildOne(ctx context.Context, cfg BuildConfig, out string, b Binary, t Target) (Artifact, error) {
	path := filepath.Join(out, t.FileName(b.Name))
	start := time.Now()
	cmd := exec.CommandContext(ctx, cfg.Go, "build", "-trimpath",
		"-ldflags", fmt.Sprintf("-s -w -X %s=%s", versionVar, cfg.Version),
		"-o", path, b.Package)
	cmd.Dir = cfg.ModuleDir
	cmd.Env = append(os.Environ(), t.Env()...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return Artifact{}, fmt.Errorf("build %s for %s: %w\n%s", b.Name, t, err, msg)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return Artifact{}, fmt.Errorf("build %s for %s: %w", b.Name, t, err)
	}
	fmt.Fprintf(cfg.Progress, "built %-16s %-14s %8s  %s (%s)\n", b.Name, t, MiB(fi.Size()),
		filepath.Join(cfg.OutDir, filepath.Base(path)), time.Since(start).Round(100*time.Millisecond))
	return Artifact{Binary: b.Name, Target: t, Path: path, Size: fi.Size()}, nil
}

// MiB formats a size in bytes for people: "6.2 MiB".
func MiB(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
