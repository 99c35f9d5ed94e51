package postgres

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sparelink/sparelink/broker/store"
)

// Page sizes for the paginated listings (Ledger, Leases).
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// toNanos stores t as unix nanoseconds (timestamptz keeps only
// microseconds, and the contract promises nanoseconds); the zero time is
// stored as 0.
func toNanos(t time.Time) int64 { return store.Nanos(t) }

// fromNanos is the inverse of toNanos: 0 is the zero time, anything else a
// time in UTC.
func fromNanos(n int64) time.Time { return store.FromNanos(n) }

// newID returns prefix followed by 16 random bytes in hex.
func newID(prefix string) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random id: %w", err)
	}
	return prefix + hex.EncodeToString(b[:]), nil
}

// list prepares a string list for a NOT NULL text[] column: nil would be
// sent as NULL.
func list(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// unlist reads a text[] column back; an empty list is nil, as in SQLite.
func unlist(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	return l
}

// blob prepares a byte slice for a NOT NULL bytea column.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// clampLimit applies the listing page size rules: 0 or less means the
// default, anything above maxLimit is cut to it.
func clampLimit(limit int) int {
	switch {
	case limit <= 0:
		return defaultLimit
	case limit > maxLimit:
		return maxLimit
	}
	return limit
}

// notFound turns pgx.ErrNoRows into store.ErrNotFound and maps other
// errors like constraint.
func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	return constraint(err)
}

// constraint maps PostgreSQL errors onto the store's sentinels: a duplicate
// key is store.ErrConflict, a reference to a missing row (an unknown
// account or node) is store.ErrNotFound, and a value PostgreSQL cannot
// store (text that is not UTF-8 or holds NUL bytes) is store.ErrInvalid.
// Other errors pass through.
func constraint(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	switch {
	case pe.Code == codeUnique:
		return fmt.Errorf("%w: %v", store.ErrConflict, err)
	case pe.Code == codeForeignKey:
		return fmt.Errorf("%w: %v", store.ErrNotFound, err)
	case len(pe.Code) == 5 && pe.Code[:2] == classDataError:
		return fmt.Errorf("%w: %v", store.ErrInvalid, err)
	}
	return err
}
