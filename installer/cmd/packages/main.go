// Command packages builds the system packages of a release (dist/ from
// 'make packages') from the binaries 'make release' put there, prints the
// router sizes, and signs the directory again so that SHA256SUMS lists
// the packages too. It is a build tool; the logic lives in
// installer/packaging and internal/release.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/sparelink/sparelink/installer/packaging"
	"github.com/sparelink/sparelink/internal/logging"
	"github.com/sparelink/sparelink/internal/release"
)

func main() {
	var cfg packaging.Config
	var keyPath, throwaway, only, formats string
	flag.StringVar(&cfg.DistDir, "dist", "dist", "release directory: the binaries to package, and where packages go")
	flag.StringVar(&cfg.InstallerDir, "installer", "installer", "directory of the units, init scripts and configs")
	flag.StringVar(&cfg.Version, "version", "0.0.0", "release version")
	flag.StringVar(&keyPath, "key", os.Getenv("RELEASE_KEY"), "minisign secret key file (default $RELEASE_KEY; empty: the throwaway key of 'make release')")
	flag.StringVar(&throwaway, "throwaway-key", release.DefaultThrowawayKey, "where a local build keeps its throwaway key")
	flag.StringVar(&only, "only", "", "comma-separated architectures (amd64, armv7, mipsle, ...; default: all)")
	flag.StringVar(&formats, "formats", "", "comma-separated formats (default: deb,rpm,apk,ipk)")
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintf(os.Stderr, "packages: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}
	if err := run(cfg, keyPath, throwaway, only, formats); err != nil {
		fmt.Fprintf(os.Stderr, "packages: error: %v\n", err)
		os.Exit(1)
	}
}

func run(cfg packaging.Config, keyPath, throwaway, only, formats string) error {
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
	for _, t := range release.LinuxTargets() {
		if only == "" || contains(only, t.Arch()) {
			cfg.Targets = append(cfg.Targets, t)
		}
	}
	if formats != "" {
		cfg.Formats = strings.Split(formats, ",")
	}
	cfg.Progress = os.Stdout
	pkgs, err := packaging.Build(cfg, log)
	if err != nil {
		return err
	}
	printSizes(os.Stdout, pkgs)
	names, err := release.SignRelease(cfg.DistDir, key, "sparelink "+cfg.Version)
	if err != nil {
		return err
	}
	fmt.Printf("signed %d files into %s/%s with key %s\n", len(names), cfg.DistDir, release.SigFile, key.ID)
	return nil
}

// printSizes shows what a router needs: the ipk to download and the
// binary it unpacks, for the MIPS and ARM builds.
func printSizes(w io.Writer, pkgs []packaging.Package) {
	fmt.Fprintln(w, "router sizes (ipk download / unpacked binary):")
	for _, p := range pkgs {
		if p.Format != "ipk" || !contains("mipsle,mips,armv7,arm64", p.Target.Arch()) {
			continue
		}
		size := "?"
		if fi, err := os.Stat(filepath.Join(filepath.Dir(p.Path), p.Target.FileName(p.Binary))); err == nil {
			size = release.MiB(fi.Size())
		}
		fmt.Fprintf(w, "  %-16s %-7s %9s / %9s\n", p.Binary, p.Target.Arch(), release.MiB(p.Size), size)
	}
}

func contains(list, item string) bool {
	for _, x := range strings.Split(list, ",") {
		if strings.TrimSpace(x) == item {
			return true
		}
	}
	return false
}
