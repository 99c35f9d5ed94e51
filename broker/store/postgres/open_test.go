package postgres_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/broker/store/postgres"
	"github.com/sparelink/sparelink/internal/pgtest"
)

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	return port
}

func TestOpenRejects(t *testing.T) {
	const secret = "s3cret-pw"
	tests := []struct {
		name string
		url  string
		want error // nil: any error
	}{
		{"empty URL", "", store.ErrInvalid},
		{"unparsable URL", "postgres://u:" + secret + "@127.0.0.1:notaport/db", store.ErrInvalid},
		{"nobody listening", "postgres://u:" + secret + "@127.0.0.1:" + closedPort(t) + "/db?connect_timeout=5", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := postgres.Open(context.Background(), postgres.Config{URL: tt.url}, zaptest.NewLogger(t))
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q): got no error, want one", tt.url)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Open: got %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("Open: error %q reveals the password", err)
			}
		})
	}
}

func TestReopen(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	s := openURL(t, url)
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
		s := openURL(t, url)
		if got, err := s.Credit(ctx, "k1", "b1", 1234); err != nil || got != txn {
			t.Errorf("round %d: Credit retry: got %q, %v; want %q", round, got, err, txn)
		}
		if b, err := s.Balance(ctx, "b1"); err != nil || b.AvailableMicros != 1234 {
			t.Errorf("round %d: Balance: got %+v, %v; want 1234 available", round, b, err)
		}
		wantMigrationsOnce(t, s)
		s.Close()
	}
}

// TestConcurrentOpen starts several brokers' stores on one new database
// at once: each migration must be applied exactly once.
func TestConcurrentOpen(t *testing.T) {
	url := pgtest.URL(t)
	const brokers = 6
	stores := make([]*postgres.Store, brokers)
	var wg sync.WaitGroup
	for i := range stores {
		wg.Go(func() {
			s, err := postgres.Open(context.Background(), postgres.Config{URL: url, MaxConns: 2}, zaptest.NewLogger(t))
			if err != nil {
				t.Errorf("Open #%d: %v", i, err)
				return
			}
			stores[i] = s
		})
	}
	wg.Wait()
	for _, s := range stores {
		if s != nil {
			t.Cleanup(func() { s.Close() })
		}
	}
	if stores[0] != nil {
		wantMigrationsOnce(t, stores[0])
	}
}

// wantMigrationsOnce checks that every embedded migration is recorded once.
func wantMigrationsOnce(t *testing.T, s *postgres.Store) {
	t.Helper()
	vs, err := postgres.MigrationVersions(context.Background(), s)
	if err != nil {
		t.Fatalf("MigrationVersions: %v", err)
	}
	n, err := postgres.EmbeddedMigrations()
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

// TestTextPostgresCannotStore checks that text PostgreSQL refuses (NUL
// bytes, invalid UTF-8) is store.ErrInvalid, not a bare driver error.
func TestTextPostgresCannotStore(t *testing.T) {
	s := openFresh(t)
	ctx := context.Background()
	tests := []struct{ name, id string }{
		{"NUL byte", "a\x00b"},
		{"invalid UTF-8", "a\xffb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.CreateAccount(ctx, store.Account{ID: tt.id, Kind: store.KindBuyer})
			if !errors.Is(err, store.ErrInvalid) {
				t.Errorf("CreateAccount(%q): got %v, want %v", tt.id, err, store.ErrInvalid)
			}
			_, err = s.Account(ctx, tt.id)
			if !errors.Is(err, store.ErrInvalid) {
				t.Errorf("Account(%q): got %v, want %v", tt.id, err, store.ErrInvalid)
			}
		})
	}
}
