package buildinfo

import (
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// setVersion overrides Version for one test, as -ldflags -X would.
func setVersion(t *testing.T, v string) {
	t.Helper()
	old := Version
	Version = v
	t.Cleanup(func() { Version = old })
}

func TestString(t *testing.T) {
	tests := []struct {
		name        string
		binary      string
		version     string
		wantVersion string // empty: whatever the build recorded
	}{
		{"release agent", "sparelink-agent", "v1.2.3", "v1.2.3"},
		{"release broker", "sparelink-broker", "v0.9.0-rc.1", "v0.9.0-rc.1"},
		{"development build", "sparelink", "", ""},
	}
	platform := "(" + runtime.Version() + ", " + runtime.GOOS + "/" + runtime.GOARCH + ")"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setVersion(t, tt.version)
			got := String(tt.binary)
			prefix := tt.binary + " "
			if !strings.HasPrefix(got, prefix) {
				t.Fatalf("String: got %q, want it to start with %q", got, prefix)
			}
			if !strings.HasSuffix(got, " "+platform) {
				t.Fatalf("String: got %q, want it to end with %q", got, platform)
			}
			v := strings.TrimSuffix(strings.TrimPrefix(got, prefix), " "+platform)
			if tt.wantVersion != "" && v != tt.wantVersion {
				t.Errorf("version: got %q, want %q", v, tt.wantVersion)
			}
			if tt.wantVersion == "" && !buildVersion.MatchString(v) {
				t.Errorf("version without override: got %q, want the form %s", v, buildVersion)
			}
		})
	}
}

// buildVersion is what version reports without a link-time Version: a
// module version, dev with an optional short VCS revision, or unknown.
var buildVersion = regexp.MustCompile(`^(v\d+\.\d+\.\d+\S*|dev(-[0-9a-f]{1,12}(-dirty)?)?|unknown)$`)
