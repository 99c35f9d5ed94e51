// Package packaging turns a release's Linux binaries into system packages
// with nfpm, used as a library: .deb, .rpm and .apk for Linux boxes and
// OpenWrt's .ipk for routers, each for the agent and the relay, with its
// service definition, default config in /etc/sparelink, the unprivileged
// 'sparelink' user created on install, and its data directory. It does
// not build binaries (internal/release does) or sign (the release's
// signed SHA256SUMS covers the packages).
package packaging

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/apk" // registers the apk packager
	_ "github.com/goreleaser/nfpm/v2/deb" // registers the deb packager
	_ "github.com/goreleaser/nfpm/v2/ipk" // registers the ipk packager
	_ "github.com/goreleaser/nfpm/v2/rpm" // registers the rpm packager
	"go.uber.org/zap"

	"github.com/sparelink/sparelink/internal/release"
)

// Formats are the package formats Build makes by default.
var Formats = []string{"deb", "rpm", "apk", "ipk"}

// ErrNoBinary means a binary a package needs is not in the release
// directory: run 'make release' first.
var ErrNoBinary = errors.New("binary not built")

// Config configures Build. The zero value packages every format for
// every Linux target from the binaries in dist/, as version 0.0.0.
type Config struct {
	// DistDir holds the release binaries and receives the packages
	// (default "dist").
	DistDir string
	// InstallerDir holds the units, init scripts, configs and
	// maintainer scripts (default "installer").
	InstallerDir string
	// Version is the release version, "v1.2.3" or "1.2.3" (default
	// "0.0.0"); what is not a semantic version becomes 0.0.0~git.
	Version string
	// Formats to build (default Formats); Targets to build for (default
	// release.LinuxTargets()). A format skips targets its systems do not
	// run on (no rpm for ARMv6, no apk for MIPS, ...).
	Formats []string
	Targets []release.Target
	// Progress receives one line per package (default: discarded).
	Progress io.Writer
}

// Package is one built package file.
type Package struct {
	Binary, Format string
	Target         release.Target
	Path           string
	Size           int64
}

func (c Config) withDefaults() Config {
	if c.DistDir == "" {
		c.DistDir = "dist"
	}
	if c.InstallerDir == "" {
		c.InstallerDir = "installer"
	}
	if c.Version == "" {
		c.Version = "0.0.0"
	}
	if c.Formats == nil {
		c.Formats = Formats
	}
	if c.Targets == nil {
		c.Targets = release.LinuxTargets()
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return c
}

// Build writes the packages of the agent and the relay into DistDir.
func Build(cfg Config, log *zap.Logger) ([]Package, error) {
	cfg = cfg.withDefaults()
	scripts, err := os.MkdirTemp("", "sparelink-scripts-")
	if err != nil {
		return nil, fmt.Errorf("packages: %w", err)
	}
	defer os.RemoveAll(scripts)
	var pkgs []Package
	for _, component := range []string{"agent", "relay"} {
		for _, format := range cfg.Formats {
			for _, t := range cfg.Targets {
				if !slices.Contains(formatTargets(format), t.Arch()) {
					continue
				}
				p, err := buildOne(cfg, spec{component: component, format: format, target: t, scriptDir: scripts})
				if err != nil {
					return pkgs, err
				}
				log.Debug("packaged", zap.String("file", p.Path), zap.Int64("bytes", p.Size))
				fmt.Fprintf(cfg.Progress, "packaged %-16s %-4s %-7s %8s  %s\n", p.Binary, format, t.Arch(), release.MiB(p.Size), filepath.Join(cfg.DistDir, filepath.Base(p.Path)))
				pkgs = append(pkgs, p)
			}
		}
	}
	return pkgs, nil
}

// formatTargets are the architectures a format is built for, by the
// systems that use it: Debian and Raspberry Pi OS, Fedora and its kin,
// Alpine, and OpenWrt (every router CPU Go supports).
func formatTargets(format string) []string {
	switch format {
	case "deb", "apk":
		return []string{"amd64", "arm64", "armv7", "armv6"}
	case "rpm":
		return []string{"amd64", "arm64", "armv7"}
	case "ipk":
		return []string{"amd64", "arm64", "armv7", "armv6", "mipsle", "mips"}
	}
	return nil
}

// FileName is the package file of binary for t in format:
// sparelink-agent_1.2.3_mipsle.ipk. The architecture is the release's
// name for it, the same in every format, so that install.sh finds it.
func FileName(binary, version, format string, t release.Target) string {
	return fmt.Sprintf("%s_%s_%s.%s", binary, version, t.Arch(), format)
}

// packagerName maps our format names to nfpm's.
func packager(format string) (nfpm.Packager, error) {
	p, err := nfpm.Get(format)
	if err != nil {
		return nil, fmt.Errorf("packages: %w", err)
	}
	return p, nil
}
