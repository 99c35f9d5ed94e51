package sqlite

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/sparelink/sparelink/broker/store"
)

// Page sizes for the paginated listings (Ledger, Leases).
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// toNanos stores t as unix nanoseconds; the zero time is stored as 0.
// Unix nanoseconds cover the years 1678 to 2262, which every real
// timestamp in this system falls within.
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

// encodeList stores a string list as a JSON array ("[]" for nil).
func encodeList(l []string) (string, error) {
	if l == nil {
		l = []string{}
	}
	b, err := json.Marshal(l)
	if err != nil {
		return "", fmt.Errorf("encode list: %w", err)
	}
	return string(b), nil
}

// decodeList reads a list written by encodeList; an empty list is nil.
func decodeList(s string) ([]string, error) {
	var l []string
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return nil, fmt.Errorf("decode list: %w", err)
	}
	if len(l) == 0 {
		return nil, nil
	}
	return l, nil
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

// constraint maps SQLite constraint failures onto the store's sentinels: a
// duplicate key is store.ErrConflict, a reference to a missing row (an
// unknown account or node) is store.ErrNotFound. Other errors pass through.
func constraint(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return fmt.Errorf("%w: %v", store.ErrConflict, err)
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return fmt.Errorf("%w: %v", store.ErrNotFound, err)
	}
	return err
}
