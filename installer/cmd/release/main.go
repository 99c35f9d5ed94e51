// Command release builds a SpareLink release into a directory (dist/ from
// 'make release'): every binary for every target of the matrix, the
// install script stamped with the release's public key, the public key
// itself, and SHA256SUMS signed in minisign's format. It is a build tool;
// the logic lives in internal/release.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sparelink/sparelink/internal/logging"
	"github.com/sparelink/sparelink/internal/release"
)

func main() {
	var cfg release.BuildConfig
	var keyPath, only, installer, throwaway string
	flag.StringVar(&cfg.OutDir, "out", "dist", "release directory")
	flag.StringVar(&cfg.Version, "version", "dev", "version stamped into the binaries")
	flag.StringVar(&keyPath, "key", os.Getenv("RELEASE_KEY"), "minisign secret key file (default $RELEASE_KEY; empty: a throwaway key); an encrypted key's password is read from $RELEASE_KEY_PASSWORD")
	flag.StringVar(&throwaway, "throwaway-key", release.DefaultThrowawayKey, "where a local build keeps its throwaway key")
	flag.StringVar(&only, "only", "", "comma-separated targets to build (linux/armv7, mipsle, ...; default: all)")
	flag.StringVar(&installer, "installer", "installer", "directory of install.sh, the systemd units and the default configs")
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintf(os.Stderr, "release: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}
	if err := run(cfg, keyPath, throwaway, only, installer); err != nil {
		fmt.Fprintf(os.Stderr, "release: error: %v\n", err)
		os.Exit(1)
	}
}

func run(cfg release.BuildConfig, keyPath, throwaway, only, installer string) error {
	log, err := logging.New(logging.Config{Level: "warn", Format: "console"}, os.Stderr)
	if err != nil {
		return err
	}
	key, _, err := release.LoadKey(release.KeyConfig{
		Path: keyPath, Password: []byte(os.Getenv("RELEASE_KEY_PASSWORD")),
		ThrowawayPath: throwaway, Warnings: os.Stderr,
	})
	if err != nil {
		return err
	}
	cfg.Binaries = release.Only(release.Binaries(), splitList(only))
	cfg.Progress = os.Stdout
	if _, err := release.Build(context.Background(), cfg, log); err != nil {
		return err
	}
	if err := writeExtras(cfg.OutDir, installer, key.Public()); err != nil {
		return err
	}
	names, err := release.SignRelease(cfg.OutDir, key, "sparelink "+cfg.Version)
	if err != nil {
		return err
	}
	fmt.Printf("signed %d files into %s with key %s\n", len(names), filepath.Join(cfg.OutDir, release.SigFile), key.ID)
	return nil
}

// writeExtras puts next to the binaries what a plain binary install
// needs (the systemd units and default configs), the public key, and the
// install script stamped with it.
func writeExtras(dir, installer string, pub release.PublicKey) error {
	copies := map[string]string{
		"systemd/sparelink-agent.service": "sparelink-agent.service",
		"systemd/sparelink-relay.service": "sparelink-relay.service",
		"config/agent.json":               "sparelink-agent.json",
		"config/relay.json":               "sparelink-relay.json",
	}
	for src, dst := range copies {
		data, err := os.ReadFile(filepath.Join(installer, src))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, dst), data, 0o644); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, release.PublicKeyFile), pub.File(), 0o644); err != nil {
		return err
	}
	src, err := os.ReadFile(filepath.Join(installer, "install.sh"))
	if err != nil {
		return err
	}
	stamped, err := release.StampPublicKey(src, pub)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "install.sh"), stamped, 0o755)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
