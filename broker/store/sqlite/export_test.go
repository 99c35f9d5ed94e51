package sqlite

import "context"

// MigrationVersions lists the versions recorded in schema_migrations, in
// order, with repeats if a migration was ever recorded twice.
func MigrationVersions(ctx context.Context, s *Store) ([]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
}

// EmbeddedMigrations is the number of migrations built into the package.
func EmbeddedMigrations() (int, error) {
	ms, err := loadMigrations()
	return len(ms), err
}
