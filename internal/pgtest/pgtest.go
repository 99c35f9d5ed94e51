// Package pgtest starts a throwaway PostgreSQL server for tests: one
// cluster per test binary, in a temporary directory, listening on a free
// loopback port, with fsync off because nothing in it has to survive. Each
// URL call creates a fresh, empty database, so tests never see each
// other's rows.
//
// A package that uses it runs its tests through Main, which stops the
// server and removes its files when the tests end:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// The server binaries (initdb and postgres) come from PATH or from
// /usr/lib/postgresql/<version>/bin, as the Debian package "postgresql"
// installs them. When they are missing a test skips with a loud reason on a
// developer machine and fails in CI (the internal/testenv policy). PostgreSQL
// refuses to run as root, so under root the server runs as the system user
// "postgres" that the Debian package creates.
//
// StartServer runs the same kind of throwaway server for tools outside
// tests, such as the broker measurements of cmd/sparelink-bench.
//
// It is for tests and benchmarks only; it is not a way to run PostgreSQL
// in production.
package pgtest

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/sparelink/sparelink/internal/testenv"
)

// shared is the cluster of this test binary, started on first use.
var shared struct {
	once    sync.Once
	mu      sync.Mutex // guards c against Main stopping it
	c       *cluster
	err     error
	stopped bool
}

// URL returns the connection URL of a new, empty database on the test
// binary's PostgreSQL server, starting the server on first use. The
// database is dropped when the test ends (after the test's own cleanups,
// which should close every connection to it).
func URL(t testing.TB) string {
	t.Helper()
	c, err := cluster1()
	if err != nil {
		require(t, err)
	}
	name, err := c.createDB(t.Name())
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		if err := c.dropDB(name); err != nil {
			t.Logf("pgtest: %v", err)
		}
	})
	return c.url(name)
}

// cluster1 starts the shared cluster once and returns it.
func cluster1() (*cluster, error) {
	shared.once.Do(func() {
		shared.c, shared.err = start(searchPath())
	})
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.stopped {
		return nil, errors.New("pgtest: URL called after Main stopped the server")
	}
	return shared.c, shared.err
}

// Main runs the tests of m and then stops the server if one was started.
// Call it from TestMain; the testing package exits with m.Run's status.
func Main(m *testing.M) {
	code := m.Run()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	shared.stopped = true
	if shared.c == nil {
		return
	}
	if err := shared.c.stop(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		if code == 0 {
			os.Exit(1)
		}
	}
}

// missingError says the machine lacks something the harness needs to start
// a server; the testenv policy decides whether that skips or fails a test.
type missingError struct {
	what string // what is missing
	fix  string // how to get it
}

func (e *missingError) Error() string { return e.what + " (" + e.fix + ")" }

// require applies the policy to an error from starting the server: a
// missing requirement fails in CI and skips elsewhere; anything else is a
// real failure everywhere.
func require(t testing.TB, err error) {
	t.Helper()
	var m *missingError
	if !errors.As(err, &m) {
		t.Fatalf("pgtest: start PostgreSQL: %v", err)
	}
	if testenv.InCI() {
		t.Fatalf("pgtest: cannot start PostgreSQL: %s; CI must provide it: %s", m.what, m.fix)
	}
	t.Skipf("SKIPPED, NOT TESTED: pgtest cannot start PostgreSQL: %s; %s to run this test", m.what, m.fix)
}
