package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sparelink/sparelink/broker/store/postgres"
)

// raise makes the server fail the statement with SQLSTATE code, as it does
// for a real deadlock or serialization conflict.
func raise(code string) string {
	return `DO $$ BEGIN RAISE EXCEPTION 'injected failure' USING ERRCODE = '` + code + `'; END $$`
}

// insertAccount adds an account row inside tx; a second insert of the same
// ID would fail, so a retried transaction shows whether its failed attempts
// were rolled back.
func insertAccount(ctx context.Context, tx pgx.Tx, id string) error {
	_, err := tx.Exec(ctx, `INSERT INTO accounts (id, kind, name, created_at) VALUES ($1, 'buyer', '', 1)`, id)
	return err
}

func TestRetryInjected(t *testing.T) {
	s := openFresh(t)
	ctx := context.Background()
	tests := []struct {
		name         string
		failures     int    // attempts that fail
		code         string // with this SQLSTATE
		wantAttempts int
		wantCode     string // "": success
	}{
		{"serialization failure once", 1, "40001", 2, ""},
		{"deadlock twice", 2, "40P01", 3, ""},
		{"serialization failure every time", 1 << 20, "40001", postgres.MaxAttempts, "40001"},
		{"unique violation is not retried", 1 << 20, "23505", 1, "23505"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attempts := 0
			err := postgres.Write(ctx, s, func(tx pgx.Tx) error {
				attempts++
				if err := insertAccount(ctx, tx, tt.name); err != nil {
					return err
				}
				if attempts <= tt.failures {
					_, err := tx.Exec(ctx, raise(tt.code))
					return err
				}
				return nil
			})
			var pe *pgconn.PgError
			switch {
			case tt.wantCode == "" && err != nil:
				t.Errorf("Write: got %v, want success", err)
			case tt.wantCode != "" && (!errors.As(err, &pe) || pe.Code != tt.wantCode):
				t.Errorf("Write: got %v, want SQLSTATE %s", err, tt.wantCode)
			}
			if attempts != tt.wantAttempts {
				t.Errorf("attempts: got %d, want %d", attempts, tt.wantAttempts)
			}
			_, err = s.Account(ctx, tt.name)
			if found := err == nil; found != (tt.wantCode == "") {
				t.Errorf("account after Write: got found=%v (%v), want %v", found, err, tt.wantCode == "")
			}
		})
	}
}

// TestRetryRealDeadlock makes two transactions lock two rows in opposite
// orders. PostgreSQL aborts one of them; it must be retried and succeed.
func TestRetryRealDeadlock(t *testing.T) {
	s := openFresh(t)
	ctx := context.Background()
	err := postgres.Write(ctx, s, func(tx pgx.Tx) error {
		return errors.Join(insertAccount(ctx, tx, "a"), insertAccount(ctx, tx, "b"))
	})
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
	var (
		attempts sync.Map // worker -> attempts
		started  sync.WaitGroup
		wg       sync.WaitGroup
	)
	started.Add(2)
	for w, order := range [][2]string{{"a", "b"}, {"b", "a"}} {
		wg.Go(func() {
			n := 0
			err := postgres.Write(ctx, s, func(tx pgx.Tx) error {
				n++
				if _, err := tx.Exec(ctx, `UPDATE accounts SET name = name || 'x' WHERE id = $1`, order[0]); err != nil {
					return err
				}
				if n == 1 { // make both hold their first row before either asks for its second
					started.Done()
					started.Wait()
				}
				_, err := tx.Exec(ctx, `UPDATE accounts SET name = name || 'x' WHERE id = $1`, order[1])
				return err
			})
			attempts.Store(w, n)
			if err != nil {
				t.Errorf("worker %d: Write: %v", w, err)
			}
		})
	}
	wg.Wait()
	total := 0
	attempts.Range(func(_, n any) bool { total += n.(int); return true })
	if total != 3 {
		t.Errorf("attempts of both workers: got %d, want 3 (one deadlock victim retried once)", total)
	}
	for _, id := range []string{"a", "b"} {
		if a, err := s.Account(ctx, id); err != nil || a.Name != "xx" {
			t.Errorf("Account(%s).Name: got %q, %v; want %q (both updates applied once)", id, a.Name, err, "xx")
		}
	}
}

func TestRetryHonoursContext(t *testing.T) {
	s := openFresh(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := postgres.Write(ctx, s, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, raise("40001"))
		return err
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Write: got %v, want %v", err, context.DeadlineExceeded)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Write took %v after its context ended, want it to stop promptly", took)
	}
}
