package release

import "fmt"

// Target is one platform of the release matrix.
type Target struct {
	GOOS, GOARCH string
	// GOARM is "6" or "7" for 32-bit ARM; GOMIPS is "softfloat" for the
	// MIPS routers that have no FPU.
	GOARM, GOMIPS string
}

// Arch names the target's CPU as release files do: amd64, arm64, armv7,
// armv6, mipsle, mips.
func (t Target) Arch() string {
	if t.GOARCH == "arm" {
		return "armv" + t.GOARM
	}
	return t.GOARCH
}

// String is "os/arch", as progress lines show it.
func (t Target) String() string { return t.GOOS + "/" + t.Arch() }

// Env is the build environment for the target: static (no cgo) and
// cross-compiled.
func (t Target) Env() []string {
	env := []string{"CGO_ENABLED=0", "GOOS=" + t.GOOS, "GOARCH=" + t.GOARCH}
	if t.GOARM != "" {
		env = append(env, "GOARM="+t.GOARM)
	}
	if t.GOMIPS != "" {
		env = append(env, "GOMIPS="+t.GOMIPS)
	}
	return env
}

// FileName is the name of binary built for t in a release directory:
// sparelink-agent_linux_armv7, sparelink-agent_windows_amd64.exe.
func (t Target) FileName(binary string) string {
	name := fmt.Sprintf("%s_%s_%s", binary, t.GOOS, t.Arch())
	if t.GOOS == "windows" {
		name += ".exe"
	}
	return name
}

// Linux targets: servers and desktops, Raspberry Pis (arm64, armv7,
// armv6) and OpenWrt routers (MIPS, little and big endian, soft float).
var (
	LinuxAMD64  = Target{GOOS: "linux", GOARCH: "amd64"}
	LinuxARM64  = Target{GOOS: "linux", GOARCH: "arm64"}
	LinuxARMv7  = Target{GOOS: "linux", GOARCH: "arm", GOARM: "7"}
	LinuxARMv6  = Target{GOOS: "linux", GOARCH: "arm", GOARM: "6"}
	LinuxMIPSLE = Target{GOOS: "linux", GOARCH: "mipsle", GOMIPS: "softfloat"}
	LinuxMIPS   = Target{GOOS: "linux", GOARCH: "mips", GOMIPS: "softfloat"}
)

// LinuxTargets are every Linux target of a release.
func LinuxTargets() []Target {
	return []Target{LinuxAMD64, LinuxARM64, LinuxARMv7, LinuxARMv6, LinuxMIPSLE, LinuxMIPS}
}

// Binary is one program of a release and the targets it ships for.
type Binary struct {
	// Name is the binary's name, Package its Go package path relative to
	// the module root ("./cmd/sparelink-agent").
	Name, Package string
	Targets       []Target
}

// Binaries is the release matrix: the agent everywhere sellers run it,
// desktops included; the relay on Linux servers and boxes; the buyer's
// CLI (which carries verify-release) wherever its embedded demo store
// builds, which excludes MIPS.
func Binaries() []Binary {
	desktops := []Target{{GOOS: "windows", GOARCH: "amd64"}, {GOOS: "darwin", GOARCH: "arm64"}}
	return []Binary{
		{Name: "sparelink-agent", Package: "./cmd/sparelink-agent", Targets: append(LinuxTargets(), desktops...)},
		{Name: "sparelink-relay", Package: "./cmd/sparelink-relay", Targets: LinuxTargets()},
		{Name: "sparelink", Package: "./cmd/sparelink", Targets: []Target{LinuxAMD64, LinuxARM64, LinuxARMv7, LinuxARMv6}},
	}
}

// Only keeps, of each binary, the targets whose String or Arch is in
// names (all of them when names is empty), for quick local builds.
func Only(bins []Binary, names []string) []Binary {
	if len(names) == 0 {
		return bins
	}
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = true
	}
	var out []Binary
	for _, b := range bins {
		var ts []Target
		for _, t := range b.Targets {
			if want[t.String()] || want[t.Arch()] {
				ts = append(ts, t)
			}
		}
		if len(ts) > 0 {
			out = append(out, Binary{Name: b.Name, Package: b.Package, Targets: ts})
		}
	}
	return out
}
