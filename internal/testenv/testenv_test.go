package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestInCI(t *testing.T) {
	tests := []struct {
		name, value string
		want        bool
	}{
		{name: "true", value: "true", want: true},
		{name: "one", value: "1", want: true},
		{name: "false", value: "false", want: false},
		{name: "empty", value: "", want: false},
		{name: "garbage", value: "yes please", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CI", tt.value)
			if got := InCI(); got != tt.want {
				t.Errorf("InCI() with CI=%q = %v, want %v", tt.value, got, tt.want)
			}
		})
	}
}

// recorder is a testing.TB that records Skipf and Fatalf and ends the
// calling goroutine the way the real ones do.
type recorder struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (r *recorder) Helper()      {}
func (r *recorder) Name() string { return "TestRecorded" }

func (r *recorder) Skipf(format string, args ...any) {
	r.skipped, r.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed, r.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// run calls f with a recorder on its own goroutine so Goexit ends only f.
func run(t *testing.T, f func(testing.TB)) *recorder {
	t.Helper()
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

// fakePath makes a PATH holding one executable called tool.
func fakePath(t *testing.T, tool string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, tool), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatalf("write fake tool: %v", err)
	}
	return dir
}

func TestNeedTool(t *testing.T) {
	tests := []struct {
		name, tool, ci      string
		present             bool
		wantSkip, wantFatal bool
		wantInMsg           string
	}{
		{name: "present", tool: "sparelink-fake-tool", present: true},
		{name: "missing locally skips", tool: "wg", wantSkip: true, wantInMsg: "wireguard-tools"},
		{name: "missing in CI fails", tool: "wg", ci: "true", wantFatal: true, wantInMsg: "wireguard-tools"},
		{name: "unmapped tool names itself", tool: "curl", wantSkip: true, wantInMsg: "apt-get install curl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			t.Setenv("PATH", t.TempDir())
			if tt.present {
				t.Setenv("PATH", fakePath(t, tt.tool))
			}
			var got string
			r := run(t, func(tb testing.TB) { got = NeedTool(tb, tt.tool) })
			if r.skipped != tt.wantSkip || r.failed != tt.wantFatal {
				t.Fatalf("skipped=%v failed=%v, want skipped=%v failed=%v (msg %q)", r.skipped, r.failed, tt.wantSkip, tt.wantFatal, r.msg)
			}
			if !strings.Contains(r.msg, tt.wantInMsg) {
				t.Errorf("message %q does not mention %q", r.msg, tt.wantInMsg)
			}
			if tt.present && filepath.Base(got) != tt.tool {
				t.Errorf("NeedTool returned %q, want a path ending in %q", got, tt.tool)
			}
		})
	}
}

func TestNeedRoot(t *testing.T) {
	tests := []struct {
		name, ci            string
		uid                 int
		wantSkip, wantFatal bool
	}{
		{name: "root locally", uid: 0},
		{name: "root in CI", ci: "true", uid: 0},
		{name: "user locally skips", uid: 1000, wantSkip: true},
		{name: "user in CI fails", ci: "true", uid: 1000, wantFatal: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			orig := geteuid
			geteuid = func() int { return tt.uid }
			t.Cleanup(func() { geteuid = orig })
			r := run(t, NeedRoot)
			if r.skipped != tt.wantSkip || r.failed != tt.wantFatal {
				t.Errorf("uid %d: skipped=%v failed=%v, want skipped=%v failed=%v (msg %q)",
					tt.uid, r.skipped, r.failed, tt.wantSkip, tt.wantFatal, r.msg)
			}
			if tt.wantSkip && !strings.Contains(r.msg, "needs root") {
				t.Errorf("skip message %q does not say the test needs root", r.msg)
			}
		})
	}
}
