package pgtest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// fakeBin writes an executable file (or, with mode 0o644, a plain one).
func fakeBin(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\nexit 0\n"), mode); err != nil {
		t.Fatal(err)
	}
}

// pathWith is a PATH lookup that finds only name, at path.
func pathWith(name, path string) func(string) (string, error) {
	return func(n string) (string, error) {
		if n == name && path != "" {
			return path, nil
		}
		return "", fmt.Errorf("%s: not in PATH", n)
	}
}

func TestFind(t *testing.T) {
	root := t.TempDir()
	lib := filepath.Join(root, "lib")
	for _, v := range []string{"9.6", "13", "16"} {
		fakeBin(t, filepath.Join(lib, v, "bin", "initdb"), 0o755)
		fakeBin(t, filepath.Join(lib, v, "bin", "postgres"), 0o755)
	}
	fakeBin(t, filepath.Join(lib, "17", "bin", "initdb"), 0o755) // no postgres next to it
	fakeBin(t, filepath.Join(lib, "18", "bin", "initdb"), 0o644)
	fakeBin(t, filepath.Join(lib, "18", "bin", "postgres"), 0o644) // not executable
	if err := os.MkdirAll(filepath.Join(root, "usrbin"), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "usrbin", "initdb")
	if err := os.Symlink(filepath.Join(lib, "13", "bin", "initdb"), link); err != nil {
		t.Fatal(err)
	}
	lonely := filepath.Join(root, "lonely", "initdb")
	fakeBin(t, lonely, 0o755)
	tests := []struct {
		name    string
		s       search
		wantDir string // "": want a missingError
	}{
		{"PATH symlink wins", search{pathWith("initdb", link), lib}, filepath.Join(lib, "13", "bin")},
		{"newest complete version", search{pathWith("initdb", ""), lib}, filepath.Join(lib, "16", "bin")},
		{"PATH without postgres beside it", search{pathWith("initdb", lonely), lib}, filepath.Join(lib, "16", "bin")},
		{"nothing anywhere", search{pathWith("initdb", ""), filepath.Join(root, "none")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.s.find()
			if tt.wantDir == "" {
				var m *missingError
				if !errors.As(err, &m) || !strings.Contains(m.fix, "postgresql") {
					t.Fatalf("find: got %+v, %v; want a missingError naming the postgresql package", got, err)
				}
				return
			}
			want := binaries{filepath.Join(tt.wantDir, "initdb"), filepath.Join(tt.wantDir, "postgres")}
			if err != nil || got != want {
				t.Errorf("find: got %+v, %v; want %+v", got, err, want)
			}
		})
	}
}

func TestDBName(t *testing.T) {
	tests := []struct {
		name     string
		seq      int
		testName string
		want     string
	}{
		{"plain", 1, "TestFoo", "t1_testfoo"},
		{"subtest", 12, "TestFoo/bar baz-1", "t12_testfoo_bar_baz_1"},
		{"quote and unicode", 3, `Test"x"/ü`, "t3_test_x___"},
		{"long", 7, strings.Repeat("a", 100), "t7_" + strings.Repeat("a", 60)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := dbName(tt.seq, tt.testName); got != tt.want || len(got) > maxNameLen {
				t.Errorf("dbName(%d, %q): got %q, want %q", tt.seq, tt.testName, got, tt.want)
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

func (r *recorder) Helper() {}

func (r *recorder) Skipf(format string, args ...any) {
	r.skipped, r.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed, r.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestRequirePolicy(t *testing.T) {
	missing := &missingError{what: "no initdb", fix: "install postgresql"}
	tests := []struct {
		name        string
		ci          string
		err         error
		wantSkipped bool
		wantFailed  bool
		wantInMsg   string
	}{
		{"missing on a laptop skips", "", missing, true, false, "SKIPPED, NOT TESTED"},
		{"missing in CI fails", "true", missing, false, true, "CI must provide it"},
		{"wrapped missing in CI fails", "1", fmt.Errorf("start: %w", missing), false, true, "install postgresql"},
		{"broken start fails on a laptop", "", errors.New("initdb: exit status 1"), false, true, "initdb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			r := &recorder{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				require(r, tt.err)
			}()
			<-done
			if r.skipped != tt.wantSkipped || r.failed != tt.wantFailed || !strings.Contains(r.msg, tt.wantInMsg) {
				t.Errorf("require: got skipped=%v failed=%v %q, want skipped=%v failed=%v mentioning %q",
					r.skipped, r.failed, r.msg, tt.wantSkipped, tt.wantFailed, tt.wantInMsg)
			}
		})
	}
}

func TestReach(t *testing.T) {
	base := t.TempDir()
	open, closed := filepath.Join(base, "open"), filepath.Join(base, "closed")
	for dir, mode := range map[string]os.FileMode{open: 0o755, closed: 0o700} {
		if err := os.MkdirAll(filepath.Join(dir, "cluster"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
	}
	// t.TempDir makes private directories; open the ones above base (the
	// system temp dir above them is searchable by everyone).
	for _, d := range []string{base, filepath.Dir(base)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	other := owner{cred: &syscall.Credential{Uid: 4242, Gid: 4242}}
	tests := []struct {
		name    string
		o       owner
		dir     string
		wantErr bool
	}{
		{"current user anywhere", owner{}, filepath.Join(closed, "cluster"), false},
		{"other user, open parents", other, filepath.Join(open, "cluster"), false},
		{"other user, private parent", other, filepath.Join(closed, "cluster"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.wantErr && tt.o.cred != nil {
				if err := other.reach(filepath.Join(os.TempDir(), "x")); err != nil {
					t.Skipf("the temp dir is private here (%v); nothing under it is reachable", err)
				}
			}
			err := tt.o.reach(tt.dir)
			if (err != nil) != tt.wantErr {
				t.Errorf("reach(%s): got %v, want error=%v", tt.dir, err, tt.wantErr)
			}
		})
	}
}
