package pgtest

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

// connect opens a connection to url and closes it when the test ends.
func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// userTables counts the tables in the public schema.
func userTables(t *testing.T, conn *pgx.Conn) int {
	t.Helper()
	var n int
	err := conn.QueryRow(context.Background(),
		`SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&n)
	if err != nil {
		t.Fatalf("count tables: %v", err)
	}
	return n
}

func TestURLGivesSeparateEmptyDatabases(t *testing.T) {
	ctx := context.Background()
	a, b := URL(t), URL(t)
	if a == b {
		t.Fatalf("URL twice: got %q both times, want two databases", a)
	}
	ca, cb := connect(t, a), connect(t, b)
	if _, err := ca.Exec(ctx, `CREATE TABLE only_in_a (x int)`); err != nil {
		t.Fatalf("create table: %v", err)
	}
	tests := []struct {
		name string
		conn *pgx.Conn
		want int
	}{
		{"first database has its table", ca, 1},
		{"second database is still empty", cb, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := userTables(t, tt.conn); got != tt.want {
				t.Errorf("tables in public schema: got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestServerSettings(t *testing.T) {
	conn := connect(t, URL(t))
	tests := []struct{ setting, want string }{
		{"fsync", "off"},
		{"listen_addresses", "127.0.0.1"},
		{"server_encoding", "UTF8"},
	}
	for _, tt := range tests {
		t.Run(tt.setting, func(t *testing.T) {
			var got string
			if err := conn.QueryRow(context.Background(), `SELECT current_setting($1)`, tt.setting).Scan(&got); err != nil {
				t.Fatalf("current_setting(%s): %v", tt.setting, err)
			}
			if got != tt.want {
				t.Errorf("%s: got %q, want %q", tt.setting, got, tt.want)
			}
		})
	}
}

// TestServerNotRoot checks who owns the data directory: the current user,
// or under root the unprivileged server user.
func TestServerNotRoot(t *testing.T) {
	conn := connect(t, URL(t))
	var dataDir string
	if err := conn.QueryRow(context.Background(), `SHOW data_directory`).Scan(&dataDir); err != nil {
		t.Fatalf("show data_directory: %v", err)
	}
	fi, err := os.Stat(dataDir)
	if err != nil {
		t.Fatalf("stat data directory: %v", err)
	}
	got := fi.Sys().(*syscall.Stat_t).Uid
	o, err := lookupOwner()
	if err != nil {
		t.Fatalf("lookupOwner: %v", err)
	}
	want := uint32(os.Geteuid())
	if o.cred != nil {
		want = o.cred.Uid
	}
	if got != want || got == 0 {
		t.Errorf("data directory owner: got uid %d, want %d (and not root)", got, want)
	}
}
