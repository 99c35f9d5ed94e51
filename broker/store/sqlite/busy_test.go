package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/broker/store/sqlite"
)

// holdWriteLock takes the database's write lock from another connection
// pool, as another process would, and releases it after hold.
func holdWriteLock(t *testing.T, path string, hold time.Duration) <-chan struct{} {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatalf("open blocker: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatalf("blocker conn: %v", err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatalf("blocker BEGIN IMMEDIATE: %v", err)
	}
	released := make(chan struct{})
	go func() {
		defer close(released)
		time.Sleep(hold)
		if _, err := conn.ExecContext(context.Background(), "COMMIT"); err != nil {
			t.Errorf("blocker COMMIT: %v", err)
		}
		conn.Close()
	}()
	return released
}

// TestBusyRetry has another connection hold the write lock well past the
// store's busy timeout: the store must run its write again once the lock
// is free, and give up (writing nothing) if it never is.
func TestBusyRetry(t *testing.T) {
	tests := []struct {
		name    string
		hold    time.Duration
		wantErr bool
	}{
		{"lock released after several busy timeouts", 120 * time.Millisecond, false},
		{"lock held past every attempt", 2 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "broker.db")
			s, err := sqlite.Open(ctx, sqlite.Config{Path: path, BusyTimeout: 20 * time.Millisecond}, zaptest.NewLogger(t))
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			t.Cleanup(func() { s.Close() })
			if err := s.CreateAccount(ctx, store.Account{ID: "b1", Kind: store.KindBuyer}); err != nil {
				t.Fatalf("CreateAccount: %v", err)
			}
			released := holdWriteLock(t, path, tt.hold)
			_, err = s.Credit(ctx, "k1", "b1", 500)
			if gotErr := err != nil; gotErr != tt.wantErr || (gotErr && !strings.Contains(err.Error(), "locked")) {
				t.Errorf("Credit while locked: got %v, want error=%v (database locked)", err, tt.wantErr)
			}
			<-released
			want := int64(500)
			if tt.wantErr {
				want = 0
			}
			if b, err := s.Balance(ctx, "b1"); err != nil || b.AvailableMicros != want {
				t.Errorf("Balance: got %+v, %v; want %d available", b, err, want)
			}
		})
	}
}
