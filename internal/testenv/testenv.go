// Package testenv lets tests declare what they need from the machine (an
// external tool, root) and applies one policy everywhere: on a developer
// machine a missing requirement skips the test with a loud reason saying
// how to fix it; in CI it fails the test, so that nothing is silently
// left untested. It is for tests only and holds no test doubles.
package testenv

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// debianPackages names the Debian package that provides a tool, where it
// differs from the tool's own name.
var debianPackages = map[string]string{
	"wg":       "wireguard-tools",
	"wg-quick": "wireguard-tools",
	"ip":       "iproute2",
	"tc":       "iproute2",
	"ss":       "iproute2",
	"nft":      "nftables",
	"psql":     "postgresql-client",
	"initdb":   "postgresql",
	"pg_ctl":   "postgresql",
	"unshare":  "util-linux",
	"nsenter":  "util-linux",
	"dig":      "bind9-dnsutils",
}

// geteuid is the system call NeedRoot asks; tests swap it to cover both
// sides of the policy whoever runs them.
var geteuid = os.Geteuid

// InCI reports whether the tests run in CI, that is whether the CI
// environment variable holds a true value ("true", "1", ...).
func InCI() bool {
	v, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && v
}

// DebianPackage returns the Debian package that provides tool.
func DebianPackage(tool string) string {
	if p, ok := debianPackages[tool]; ok {
		return p
	}
	return tool
}

// NeedTool returns the path of the executable name. When it is missing the
// test fails in CI and is skipped elsewhere, naming the package to install.
func NeedTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	pkg := DebianPackage(name)
	if InCI() {
		t.Fatalf("required tool %q not found in PATH (CI must install the Debian package %q): %v", name, pkg, err)
	}
	t.Skipf("SKIPPED, NOT TESTED: required tool %q not found in PATH; install it with `apt-get install %s` to run this test", name, pkg)
	return ""
}

// NeedRoot fails the test in CI and skips it elsewhere unless the process
// runs as root.
func NeedRoot(t testing.TB) {
	t.Helper()
	uid := geteuid()
	if uid == 0 {
		return
	}
	if InCI() {
		t.Fatalf("test needs root but runs as uid %d; CI must run root-only tests as root", uid)
	}
	t.Skipf("SKIPPED, NOT TESTED: test needs root (running as uid %d); rerun as root, e.g. `sudo -E go test -run %s`", uid, t.Name())
}
