package brokerd

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/broker/store/postgres"
	"github.com/sparelink/sparelink/broker/store/sqlite"
)

// Store kinds a store URL can name.
const (
	KindSQLite   = "sqlite"
	KindPostgres = "postgres"
)

// ErrStoreURL is returned for a store URL brokerd cannot use.
var ErrStoreURL = errors.New("bad store URL")

// StoreSpec is a parsed store URL.
type StoreSpec struct {
	Kind string // KindSQLite or KindPostgres
	Path string // the SQLite database file
	URL  string // the PostgreSQL connection URL, as given
}

// String describes the store for logs, without any password.
func (s StoreSpec) String() string {
	if s.Kind == KindSQLite {
		return "sqlite:" + s.Path
	}
	if u, err := url.Parse(s.URL); err == nil {
		u.RawQuery, u.Fragment = "", "" // the query may carry a password too
		return u.Redacted()
	}
	return "postgres (unparsable URL)"
}

// ParseStoreURL reads a store URL:
//
//	sqlite:///absolute/path/broker.db
//	sqlite:relative/path/broker.db       (relative to the working directory)
//	postgres://user:password@host:5432/db?sslmode=require   (also postgresql://)
//
// Anything else is ErrStoreURL. Errors never repeat the URL, which may
// hold a password.
func ParseStoreURL(raw string) (StoreSpec, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return StoreSpec{}, fmt.Errorf("%w: cannot parse it; write sqlite:///path/broker.db or postgres://user@host/db", ErrStoreURL)
	}
	switch u.Scheme {
	case "sqlite":
		return parseSQLite(u)
	case "postgres", "postgresql":
		if !strings.HasPrefix(strings.ToLower(raw), u.Scheme+"://") {
			return StoreSpec{}, fmt.Errorf("%w: write a PostgreSQL URL as postgres://user@host/db", ErrStoreURL)
		}
		return StoreSpec{Kind: KindPostgres, URL: raw}, nil
	case "":
		return StoreSpec{}, fmt.Errorf("%w: no scheme; write sqlite:///path/broker.db or postgres://user@host/db", ErrStoreURL)
	}
	return StoreSpec{}, fmt.Errorf("%w: unsupported scheme %q (want sqlite, postgres or postgresql)", ErrStoreURL, u.Scheme)
}

// parseSQLite reads the file of a sqlite: URL.
func parseSQLite(u *url.URL) (StoreSpec, error) {
	path := u.Path
	switch {
	case u.Opaque != "":
		p, err := url.PathUnescape(u.Opaque)
		if err != nil {
			return StoreSpec{}, fmt.Errorf("%w: bad escape in sqlite path", ErrStoreURL)
		}
		path = p
	case u.Host != "" || u.User != nil:
		return StoreSpec{}, fmt.Errorf("%w: a sqlite URL names no host; write sqlite:///absolute/path or sqlite:relative/path", ErrStoreURL)
	}
	switch {
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return StoreSpec{}, fmt.Errorf("%w: a sqlite URL takes no query or fragment", ErrStoreURL)
	case path == "":
		return StoreSpec{}, fmt.Errorf("%w: a sqlite URL needs a file, as in sqlite:///var/lib/sparelink/broker.db", ErrStoreURL)
	}
	return StoreSpec{Kind: KindSQLite, Path: path}, nil
}

// DefaultStoreURL is the store used when none is given: broker.db in the
// data directory, as an absolute sqlite:/// URL.
func DefaultStoreURL(dataDir string) (string, error) {
	abs, err := filepath.Abs(filepath.Join(dataDir, "broker.db"))
	if err != nil {
		return "", fmt.Errorf("default store: %w", err)
	}
	return (&url.URL{Scheme: "sqlite", Path: filepath.ToSlash(abs)}).String(), nil
}

// OpenStore opens the store a store URL names, creating or migrating its
// schema as needed.
func OpenStore(ctx context.Context, raw string, log *zap.Logger) (store.Store, error) {
	spec, err := ParseStoreURL(raw)
	if err != nil {
		return nil, err
	}
	var st store.Store
	switch spec.Kind {
	case KindSQLite:
		st, err = sqlite.Open(ctx, sqlite.Config{Path: spec.Path}, log)
	default:
		st, err = postgres.Open(ctx, postgres.Config{URL: spec.URL}, log)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", spec, err)
	}
	return st, nil
}
