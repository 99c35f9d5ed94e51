package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/broker/store/sqlite"
	"github.com/sparelink/sparelink/broker/store/storetest"
)

// openAt opens the store at path and closes it when the test ends.
func openAt(tb testing.TB, path string) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(context.Background(), sqlite.Config{Path: path}, testLogger(tb))
	if err != nil {
		tb.Fatalf("Open(%s): %v", path, err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

// testLogger logs through tb. Benchmarks log only warnings, to keep their
// output readable; fuzz targets may not log through the *testing.F that
// opened the store, so they log nothing and rely on their checks.
func testLogger(tb testing.TB) *zap.Logger {
	switch tb.(type) {
	case *testing.F:
		return zap.NewNop()
	case *testing.B:
		return zaptest.NewLogger(tb, zaptest.Level(zapcore.WarnLevel))
	}
	return zaptest.NewLogger(tb)
}

// openTemp opens a fresh store in a new temporary directory.
func openTemp(tb testing.TB) *sqlite.Store {
	tb.Helper()
	return openAt(tb, filepath.Join(tb.TempDir(), "broker.db"))
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

func TestOpenRejects(t *testing.T) {
	tests := []struct {
		name string
		path string
		want error // nil: any error
	}{
		{"empty path", "", store.ErrInvalid},
		{"query in path", filepath.Join(t.TempDir(), "x.db?mode=ro"), store.ErrInvalid},
		{"missing directory", filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := sqlite.Open(context.Background(), sqlite.Config{Path: tt.path}, zaptest.NewLogger(t))
			if err == nil {
				_ = s.Close()
				t.Fatalf("Open(%q): got no error, want one", tt.path)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Open(%q): got %v, want %v", tt.path, err, tt.want)
			}
		})
	}
}

func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "broker.db")
	s, err := sqlite.Open(ctx, sqlite.Config{Path: path}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := s.CreateAccount(ctx, store.Account{ID: "b1", Kind: store.KindBuyer}); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	txn, err := s.Credit(ctx, "k1", "b1", 1234)
	if err != nil {
		t.Fatalf("Credit: %v", err)
	}
	for i := 0; i < 2; i++ { // Close is idempotent
		if err := s.Close(); err != nil {
			t.Fatalf("Close #%d: %v", i+1, err)
		}
	}
	for round := 1; round <= 2; round++ {
		s := openAt(t, path)
		if got, err := s.Credit(ctx, "k1", "b1", 1234); err != nil || got != txn {
			t.Errorf("round %d: Credit retry: got %q, %v; want %q", round, got, err, txn)
		}
		if b, err := s.Balance(ctx, "b1"); err != nil || b.AvailableMicros != 1234 {
			t.Errorf("round %d: Balance: got %+v, %v; want 1234 available", round, b, err)
		}
		wantMigrationsOnce(t, s)
		if err := s.Close(); err != nil {
			t.Fatalf("round %d: Close: %v", round, err)
		}
	}
}

// wantMigrationsOnce checks that every embedded migration is recorded once.
func wantMigrationsOnce(t *testing.T, s *sqlite.Store) {
	t.Helper()
	vs, err := sqlite.MigrationVersions(context.Background(), s)
	if err != nil {
		t.Fatalf("MigrationVersions: %v", err)
	}
	n, err := sqlite.EmbeddedMigrations()
	if err != nil {
		t.Fatalf("EmbeddedMigrations: %v", err)
	}
	if len(vs) != n {
		t.Fatalf("schema_migrations: got versions %v, want %d", vs, n)
	}
	// Versions need not be contiguous (a branch may leave a gap), but
	// each is applied once, in order.
	for i, v := range vs {
		if i > 0 && v <= vs[i-1] {
			t.Errorf("schema_migrations[%d]: got version %d after %d, want increasing versions", i, v, vs[i-1])
		}
	}
}
