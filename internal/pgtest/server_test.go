package pgtest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMissingMatchesErrMissing(t *testing.T) {
	missing := &missingError{what: "no initdb", fix: "install postgresql"}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"bare", missing, true},
		{"wrapped", fmt.Errorf("start PostgreSQL: %w", missing), true},
		{"other failure", errors.New("initdb: exit status 1"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Is(tt.err, ErrMissing); got != tt.want {
				t.Errorf("errors.Is(%v, ErrMissing): got %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

// TestStartServer starts a server as a tool would, uses it and stops it.
func TestStartServer(t *testing.T) {
	url, stop, err := StartServer()
	if err != nil {
		require(t, err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = stop()
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	if got := userTables(t, conn); got != 0 {
		t.Errorf("tables in a new server's database: got %d, want 0", got)
	}
	_ = conn.Close(ctx)
	stopped = true
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if conn, err := pgx.Connect(ctx, url); err == nil {
		_ = conn.Close(ctx)
		t.Errorf("connect after stop: got a connection, want the server gone")
	}
}
