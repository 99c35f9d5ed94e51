package pgtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/sparelink/sparelink/internal/testenv"
)

// debianLibDir is where Debian's postgresql-<version> packages put the
// server binaries, one directory per major version.
const debianLibDir = "/usr/lib/postgresql"

// search says where to look for the server binaries.
type search struct {
	lookPath func(string) (string, error) // PATH lookup
	libDir   string                       // holds <version>/bin directories
}

// searchPath is the search a real test uses.
func searchPath() search {
	return search{lookPath: exec.LookPath, libDir: debianLibDir}
}

// binaries are the two server programs the harness runs.
type binaries struct {
	initdb, postgres string
}

// find returns initdb and postgres from one directory: the one initdb in
// PATH lives in (after following symlinks, since initdb and postgres must
// come from the same installation), else the newest version under libDir.
func (s search) find() (binaries, error) {
	if p, err := s.lookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			if b, ok := inDir(filepath.Dir(real)); ok {
				return b, nil
			}
		}
	}
	for _, dir := range s.versionDirs() {
		if b, ok := inDir(dir); ok {
			return b, nil
		}
	}
	return binaries{}, &missingError{
		what: "the PostgreSQL server binaries (initdb, postgres) are neither in PATH nor under " + s.libDir + "/*/bin",
		fix:  "install the Debian package " + strconv.Quote(testenv.DebianPackage("initdb")),
	}
}

// versionDirs lists libDir/<version>/bin, newest version first.
func (s search) versionDirs() []string {
	entries, err := os.ReadDir(s.libDir)
	if err != nil {
		return nil
	}
	type version struct {
		dir   string
		major int
		minor int
	}
	var vs []version
	for _, e := range entries {
		majorS, minorS, _ := strings.Cut(e.Name(), ".")
		major, err := strconv.Atoi(majorS)
		if err != nil {
			continue
		}
		minor, _ := strconv.Atoi(minorS) // 9.6 style; absent is 0
		vs = append(vs, version{filepath.Join(s.libDir, e.Name(), "bin"), major, minor})
	}
	slices.SortFunc(vs, func(a, b version) int {
		if a.major != b.major {
			return b.major - a.major
		}
		return b.minor - a.minor
	})
	dirs := make([]string, len(vs))
	for i, v := range vs {
		dirs[i] = v.dir
	}
	return dirs
}

// inDir returns the binaries in dir if both are executable files there.
func inDir(dir string) (binaries, bool) {
	b := binaries{initdb: filepath.Join(dir, "initdb"), postgres: filepath.Join(dir, "postgres")}
	return b, executable(b.initdb) && executable(b.postgres)
}

func executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
