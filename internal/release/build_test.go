package release

import (
	"bytes"
	"context"
	"debug/elf"
	"os/exec"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"
)

func TestTargets(t *testing.T) {
	tests := []struct {
		name     string
		target   Target
		wantFile string
		wantEnv  string
	}{
		{"armv7", LinuxARMv7, "sparelink-agent_linux_armv7", "CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=7"},
		{"mipsle", LinuxMIPSLE, "sparelink-agent_linux_mipsle", "CGO_ENABLED=0 GOOS=linux GOARCH=mipsle GOMIPS=softfloat"},
		{"windows", Target{GOOS: "windows", GOARCH: "amd64"}, "sparelink-agent_windows_amd64.exe", "CGO_ENABLED=0 GOOS=windows GOARCH=amd64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.target.FileName("sparelink-agent"); got != tt.wantFile {
				t.Errorf("got file name %q, want %q", got, tt.wantFile)
			}
			if got := strings.Join(tt.target.Env(), " "); got != tt.wantEnv {
				t.Errorf("got env %q, want %q", got, tt.wantEnv)
			}
		})
	}
}

func TestOnly(t *testing.T) {
	tests := []struct {
		name  string
		names []string
		want  string
	}{
		{"all", nil, "sparelink-agent:8 sparelink-relay:6 sparelink:4"},
		{"one arch", []string{"mipsle"}, "sparelink-agent:1 sparelink-relay:1"},
		{"os/arch", []string{"darwin/arm64"}, "sparelink-agent:1"},
		{"unknown", []string{"sparc"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var parts []string
			for _, b := range Only(Binaries(), tt.names) {
				parts = append(parts, b.Name+":"+string(rune('0'+len(b.Targets))))
			}
			if got := strings.Join(parts, " "); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestBuildHostTarget builds the relay for linux/amd64 only; the whole
// matrix is 'make release'.
func TestBuildHostTarget(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary; skipped with -short")
	}
	var progress bytes.Buffer
	arts, err := Build(context.Background(), BuildConfig{
		ModuleDir: "../..", OutDir: t.TempDir(), Version: "v9.8.7-test", Progress: &progress,
		Binaries: Only([]Binary{{Name: "sparelink-relay", Package: "./cmd/sparelink-relay", Targets: LinuxTargets()}}, []string{"linux/amd64"}),
	}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if len(arts) != 1 || !strings.HasSuffix(arts[0].Path, "sparelink-relay_linux_amd64") {
		t.Fatalf("got artifacts %+v, want sparelink-relay_linux_amd64", arts)
	}
	if got := strings.Count(progress.String(), "\n"); got != 1 {
		t.Errorf("got %d progress lines %q, want 1", got, progress.String())
	}
	f, err := elf.Open(arts[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("binary has a program interpreter: it is not static")
		}
	}
	if f.Section(".symtab") != nil {
		t.Errorf("binary has a symbol table: it is not stripped")
	}
	out, err := exec.Command(arts[0].Path, "--version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "v9.8.7-test") {
		t.Errorf("--version: got %q (%v), want the stamped version v9.8.7-test", out, err)
	}
}
