package packaging

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/files"

	"github.com/sparelink/sparelink/internal/release"
)

// spec is one package to build.
type spec struct {
	component string // agent or relay
	format    string
	target    release.Target
	scriptDir string // where the maintainer scripts are written
}

func (s spec) binary() string { return "sparelink-" + s.component }

// Version returns the package version of a release version: "v1.2.3-rc1"
// is 1.2.3-rc1; a version that is not semantic ("dev", a bare commit)
// is 0.0.0-git, which every format sorts before any release.
func Version(v string) string {
	sv, err := semver.NewVersion(v)
	if err != nil {
		return "0.0.0-git"
	}
	return sv.String()
}

func buildOne(cfg Config, s spec) (Package, error) {
	info, err := packageInfo(cfg, s)
	if err != nil {
		return Package{}, err
	}
	p, err := packager(s.format)
	if err != nil {
		return Package{}, err
	}
	path := filepath.Join(cfg.DistDir, FileName(s.binary(), Version(cfg.Version), s.format, s.target))
	f, err := os.Create(path)
	if err != nil {
		return Package{}, fmt.Errorf("packages: %w", err)
	}
	defer f.Close()
	if err := p.Package(info, f); err != nil {
		return Package{}, fmt.Errorf("package %s: %w", filepath.Base(path), err)
	}
	if err := f.Close(); err != nil {
		return Package{}, fmt.Errorf("package %s: %w", filepath.Base(path), err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return Package{}, err
	}
	return Package{Binary: s.binary(), Format: s.format, Target: s.target, Path: path, Size: fi.Size()}, nil
}

func packageInfo(cfg Config, s spec) (*nfpm.Info, error) {
	bin := filepath.Join(cfg.DistDir, s.target.FileName(s.binary()))
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("package %s for %s: %w: %v", s.binary(), s.target, ErrNoBinary, err)
	}
	scripts, err := writeScripts(cfg.InstallerDir, s)
	if err != nil {
		return nil, err
	}
	info := &nfpm.Info{
		Name:        s.binary(),
		Arch:        nfpmArch(s.target),
		Platform:    "linux",
		Version:     Version(cfg.Version),
		Maintainer:  "SpareLink <packages@sparelink.invalid>",
		Description: description(s.component),
		Vendor:      "SpareLink",
		License:     "Proprietary",
		Section:     "net",
		Priority:    "optional",
	}
	info.Scripts = scripts
	info.Contents = contents(cfg.InstallerDir, bin, s)
	if s.format == "ipk" {
		// A static Go binary runs on every router of the CPU family, so
		// the package is not tied to one OpenWrt target's architecture
		// name (mipsel_24kc, ...); its file name says which CPU it is for.
		info.IPK.Arch = "all"
	}
	nfpm.WithDefaults(info)
	if err := nfpm.PrepareForPackager(info, s.format); err != nil {
		return nil, fmt.Errorf("package %s: %w", s.binary(), err)
	}
	return info, nil
}

// nfpmArch is the target in nfpm's terms: GOARCH plus the ARM version.
func nfpmArch(t release.Target) string {
	if t.GOARCH == "arm" {
		return "arm" + t.GOARM
	}
	return t.GOARCH
}

func description(component string) string {
	if component == "agent" {
		return "SpareLink agent: sells the idle uplink of this line as metered exit capacity, within the owner's caps."
	}
	return "SpareLink relay: an ISP's high-capacity exit for SpareLink buyers."
}

// contents lists the files of a package: the binary, the service
// definition of the format's init system, and the default config.
func contents(dir, bin string, s spec) files.Contents {
	file := func(src, dst string, mode os.FileMode, typ string) *files.Content {
		return &files.Content{Source: src, Destination: dst, Type: typ,
			FileInfo: &files.ContentFileInfo{Mode: mode, Owner: "root", Group: "root"}}
	}
	name := s.binary()
	c := files.Contents{file(bin, "/usr/bin/"+name, 0o755, files.TypeFile)}
	conf := files.TypeConfigNoReplace
	switch s.format {
	case "ipk":
		c = append(c, file(filepath.Join(dir, "openwrt", name+".init"), "/etc/init.d/"+name, 0o755, files.TypeFile))
		if s.component == "agent" {
			return append(c, file(filepath.Join(dir, "openwrt", "sparelink.config"), "/etc/config/sparelink", 0o644, conf))
		}
	case "apk":
		c = append(c, file(filepath.Join(dir, "openrc", name), "/etc/init.d/"+name, 0o755, files.TypeFile))
	default:
		c = append(c, file(filepath.Join(dir, "systemd", name+".service"), "/usr/lib/systemd/system/"+name+".service", 0o644, files.TypeFile))
	}
	c = append(c, file(filepath.Join(dir, "config", s.component+".json"), "/etc/sparelink/"+s.component+".json", 0o644, conf))
	if s.component == "relay" {
		c = append(c, file(filepath.Join(dir, "config", "relay.env"), "/etc/sparelink/relay.env", 0o640, conf))
	}
	return c
}

// writeScripts writes the maintainer scripts of s, with @NAME@ replaced
// by the component, and returns them for nfpm.
func writeScripts(dir string, s spec) (nfpm.Scripts, error) {
	src := map[string]string{
		"postinstall": filepath.Join(dir, "scripts", "postinstall.sh"),
		"preremove":   filepath.Join(dir, "scripts", "preremove.sh"),
		"postremove":  filepath.Join(dir, "scripts", "postremove.sh"),
	}
	if s.format == "ipk" {
		src = map[string]string{
			"postinstall": filepath.Join(dir, "openwrt", "postinst"),
			"preremove":   filepath.Join(dir, "openwrt", "prerm"),
		}
	}
	out := make(map[string]string, len(src))
	for role, path := range src {
		body, err := os.ReadFile(path)
		if err != nil {
			return nfpm.Scripts{}, fmt.Errorf("maintainer script: %w", err)
		}
		dst := filepath.Join(s.scriptDir, fmt.Sprintf("%s-%s-%s", s.format, s.component, role))
		text := strings.ReplaceAll(string(body), "@NAME@", s.component)
		if err := os.WriteFile(dst, []byte(text), 0o755); err != nil {
			return nfpm.Scripts{}, fmt.Errorf("maintainer script: %w", err)
		}
		out[role] = dst
	}
	return nfpm.Scripts{PostInstall: out["postinstall"], PreRemove: out["preremove"], PostRemove: out["postremove"]}, nil
}
