package installer

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/installer/packaging"
	"github.com/sparelink/sparelink/internal/release"
)

// newOpenWrtRoot lays out a directory as an OpenWrt root is before the
// package comes: base-files' account files, and /lib/functions.sh and
// /etc/rc.common (the stand-ins in testdata).
func newOpenWrtRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"etc/init.d", "etc/config", "etc/rc.d", "usr/bin", "lib", "var/run"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	etc := filepath.Join(root, "etc")
	writeFile(t, etc, "passwd", "root:x:0:0:root:/root:/bin/ash\nnobody:*:65534:65534:nobody:/var:/bin/false\n", 0o644)
	writeFile(t, etc, "group", "root:x:0:\nnogroup:x:65534:\n", 0o644)
	writeFile(t, etc, "shadow", "root:::0:99999:7:::\n", 0o600)
	copyFile(t, "testdata/openwrt-functions.sh", filepath.Join(root, "lib/functions.sh"), 0o644)
	copyFile(t, "testdata/openwrt-rc.common", filepath.Join(root, "etc/rc.common"), 0o755)
	return root
}

// ipkFor packages the agent for target from bin (the relay from a
// stand-in) and returns the agent's ipk.
func ipkFor(t *testing.T, target release.Target, bin string) string {
	t.Helper()
	dist := t.TempDir()
	copyFile(t, bin, filepath.Join(dist, target.FileName("sparelink-agent")), 0o755)
	writeFile(t, dist, target.FileName("sparelink-relay"), "#!/bin/sh\necho sparelink-relay\n", 0o755)
	pkgs, err := packaging.Build(packaging.Config{DistDir: dist, InstallerDir: ".", Version: "v0.0.1",
		Formats: []string{"ipk"}, Targets: []release.Target{target}}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("build ipk: %v", err)
	}
	for _, p := range pkgs {
		if p.Binary == "sparelink-agent" {
			return p.Path
		}
	}
	t.Fatalf("got no agent ipk for %s", target)
	return ""
}

// accounts returns the lines of the machine's own account files that
// name the sparelink user or group.
func accounts(t *testing.T) string {
	t.Helper()
	var got []string
	for _, f := range []string{"/etc/passwd", "/etc/group"} {
		data, _ := os.ReadFile(f)
		for _, l := range lines(string(data)) {
			if strings.HasPrefix(l, "sparelink:") {
				got = append(got, f+": "+l)
			}
		}
	}
	return strings.Join(got, "\n")
}

// TestOpenWrtOfflineInstall installs the agent's ipk into an OpenWrt
// root as opkg does for an image (opkg_test.go): the mipsle package of a
// router for its layout, and this machine's package, whose installed
// agent then runs on the config the installed init script renders.
func TestOpenWrtOfflineInstall(t *testing.T) {
	tests := []struct {
		name   string
		target release.Target
		real   bool // package the real agent and run it
	}{
		{"mipsle router", release.LinuxMIPSLE, false},
		{"this machine's cpu runs the installed agent", hostTarget, true},
	}
	// The reinstalls run on the small package only: unpacking the real
	// agent three times would cost more time than it proves.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin := writeFile(t, t.TempDir(), "stand-in", "#!/bin/sh\necho sparelink-agent\n", 0o755)
			if tt.real {
				bin = filepath.Join(binaries(t), hostTarget.FileName("sparelink-agent"))
			}
			ipk := ipkFor(t, tt.target, bin)
			root := newOpenWrtRoot(t)
			before := accounts(t)
			pkg, out := opkgInstall(t, root, ipk)
			t.Logf("postinst:\n%s", out)
			checkOpenWrtRoot(t, root, bin, readFile(t, "openwrt/sparelink.config"))
			if got := accounts(t); got != before {
				t.Errorf("the machine's accounts: got %q after an offline install, want %q", got, before)
			}
			if _, err := os.Lstat("/etc/rc.d/S95" + pkg); err == nil && !isOpenWrt() {
				t.Errorf("postinst enabled the service on this machine, not in %s", root)
			}
			if tt.real {
				editConfig(t, root)
			} else {
				checkConffileKept(t, root, ipk)
			}
			conf := renderInRoot(t, root)
			if tt.real {
				if err := binaryAccepts(t, filepath.Join(root, "usr/bin", pkg), conf); err != nil {
					t.Errorf("installed agent on the rendered config: %v", err)
				}
			}
			opkgPrerm(t, root, pkg)
			if links, _ := filepath.Glob(filepath.Join(root, "etc/rc.d/*"+pkg)); len(links) != 0 {
				t.Errorf("after prerm: got links %v, want none", links)
			}
		})
	}
}

func isOpenWrt() bool {
	_, err := os.Stat("/etc/openwrt_release")
	return err == nil
}

// checkOpenWrtRoot checks the files, links and accounts the package and
// its postinst left in root; conf is the UCI config expected there.
func checkOpenWrtRoot(t *testing.T, root, bin, conf string) {
	t.Helper()
	for _, w := range []struct {
		path string
		mode os.FileMode
		want string
	}{
		{"usr/bin/sparelink-agent", 0o755, readFile(t, bin)},
		{"etc/init.d/sparelink-agent", 0o755, readFile(t, "openwrt/sparelink-agent.init")},
		{"etc/config/sparelink", 0o644, conf},
	} {
		p := filepath.Join(root, w.path)
		if fi, err := os.Stat(p); err != nil || fi.Mode() != w.mode {
			t.Errorf("%s: got %v (error %v), want mode %v", w.path, fi.Mode(), err, w.mode)
			continue
		}
		if readFile(t, p) != w.want {
			t.Errorf("%s: got content that differs from what the package installs", w.path)
		}
	}
	for _, link := range []string{"S95sparelink-agent", "K10sparelink-agent"} {
		if got, err := os.Readlink(filepath.Join(root, "etc/rc.d", link)); got != "../init.d/sparelink-agent" {
			t.Errorf("etc/rc.d/%s: got link to %q (error %v), want ../init.d/sparelink-agent", link, got, err)
		}
	}
	for file, want := range map[string]string{
		"passwd": "sparelink:x:65536:65536:SpareLink:/var/run/sparelink:/bin/false",
		"group":  "sparelink:x:65536:",
		"shadow": "sparelink:*:",
	} {
		if got := readFile(t, filepath.Join(root, "etc", file)); strings.Count(got, "\nsparelink:") != 1 || !strings.Contains(got, want) {
			t.Errorf("etc/%s: got %q, want one line %q", file, got, want)
		}
	}
}

// checkConffileKept reinstalls the package over an untouched and then
// over an edited /etc/config/sparelink: opkg replaces the first and
// keeps the second, putting the package's copy next to it.
func checkConffileKept(t *testing.T, root, ipk string) {
	t.Helper()
	conf := filepath.Join(root, "etc/config/sparelink")
	opkgInstall(t, root, ipk)
	if _, err := os.Stat(conf + "-opkg"); !os.IsNotExist(err) {
		t.Errorf("reinstall over the untouched config: got %v for %s-opkg, want none", err, conf)
	}
	edited := editConfig(t, root)
	opkgInstall(t, root, ipk)
	if got := readFile(t, conf); got != edited {
		t.Errorf("reinstall over the edited config: got\n%s\nwant the owner's edit kept:\n%s", got, edited)
	}
	if got, want := readFile(t, conf+"-opkg"), readFile(t, "openwrt/sparelink.config"); got != want {
		t.Errorf("%s-opkg: got %q, want the package's config", conf, got)
	}
	checkOpenWrtRoot(t, root, filepath.Join(root, "usr/bin/sparelink-agent"), edited)
}

// editConfig makes the owner's changes to root's UCI config, as 'uci
// set' would: enabled, a country, and a data directory inside root. It
// returns the edited config.
func editConfig(t *testing.T, root string) string {
	t.Helper()
	conf := filepath.Join(root, "etc/config/sparelink")
	edited := strings.NewReplacer("option enabled '0'", "option enabled '1'", "option country ''", "option country 'DE'",
		"'/etc/sparelink/agent'", "'"+filepath.Join(root, "etc/sparelink/agent")+"'").Replace(readFile(t, conf))
	writeFile(t, filepath.Dir(conf), "sparelink", edited, 0o644)
	return edited
}

// renderInRoot renders the owner's UCI settings with the installed init
// script and checks the JSON config it writes.
func renderInRoot(t *testing.T, root string) string {
	t.Helper()
	dataDir := filepath.Join(root, "etc/sparelink/agent")
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "agent.json")
	env := []string{"R=" + root, "OUT=" + out, "UCI_CONFIG_DIR=" + filepath.Join(root, "etc/config")}
	script := `. "$R/lib/functions.sh" && . "$R/etc/init.d/sparelink-agent" && sparelink_render "$OUT"`
	if msg, err := run(t, env, "sh", "-c", script); err != nil {
		t.Fatalf("render with the installed init script: %v\n%s", err, msg)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(readFile(t, out)), &got); err != nil {
		t.Fatalf("rendered config is not JSON: %v", err)
	}
	want := map[string]any{"version": float64(1), "data-dir": dataDir, "country": "DE", "broker": "http://127.0.0.1:8400",
		"listen": "0.0.0.0:4433", "status-listen": "127.0.0.1:7465", "log-format": "json"}
	if g, w := fmt.Sprint(got), fmt.Sprint(want); g != w {
		t.Errorf("rendered config: got %s, want %s", g, w)
	}
	return out
}
