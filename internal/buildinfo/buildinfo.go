// Package buildinfo reports the version a binary was built as. Release
// builds set Version with -ldflags "-X …/buildinfo.Version=v1.2.3"; other
// builds fall back to the module and VCS information Go records.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is set at link time by release builds.
var Version = ""

// String is the one-line version report every binary prints for --version.
func String(binary string) string {
	return fmt.Sprintf("%s %s (%s, %s/%s)", binary, version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func version() string {
	if Version != "" {
		return Version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return "dev-" + rev
}
