package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// MaxAttempts is how often a transaction runs before the store gives up.
const MaxAttempts = maxAttempts

// Write runs fn as the store runs its money movements: one READ COMMITTED
// transaction, retried on deadlocks and serialization failures.
func Write(ctx context.Context, s *Store, fn func(tx pgx.Tx) error) error {
	return s.write(ctx, fn)
}

// MigrationVersions lists the versions recorded in schema_migrations, in
// order, with repeats if a migration was ever recorded twice.
func MigrationVersions(ctx context.Context, s *Store) ([]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int])
}

// EmbeddedMigrations is the number of migrations built into the package.
func EmbeddedMigrations() (int, error) {
	ms, err := loadMigrations()
	return len(ms), err
}
