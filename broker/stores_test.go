package broker_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/broker/store/postgres"
	"github.com/sparelink/sparelink/broker/store/sqlite"
	"github.com/sparelink/sparelink/internal/pgtest"
)

// TestMain stops the throwaway PostgreSQL server of TestPostgres, if it
// started one, when the tests end.
func TestMain(m *testing.M) { pgtest.Main(m) }

// postgresPrefix starts the name of every test (and subtest) that runs
// under TestPostgres; the harness opens a PostgreSQL store for those.
const postgresPrefix = "TestPostgres/"

// onPostgres reports whether t runs under TestPostgres.
func onPostgres(t *testing.T) bool {
	return strings.HasPrefix(t.Name(), postgresPrefix)
}

// openStore opens the store a market's broker uses: a SQLite file in dir,
// or, under TestPostgres, a fresh database on the test binary's PostgreSQL
// server (pgtest skips loudly when the server binaries are missing and
// fails in CI). The store is closed when the test ends.
func openStore(t *testing.T, dir string, now func() time.Time, log *zap.Logger) store.Store {
	t.Helper()
	ctx := context.Background()
	var (
		st  store.Store
		err error
	)
	if onPostgres(t) {
		st, err = postgres.Open(ctx, postgres.Config{URL: pgtest.URL(t), Now: now}, log)
	} else {
		st, err = sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(dir, "broker.db"), Now: now}, log)
	}
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return st
}
