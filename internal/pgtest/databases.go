package pgtest

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// createDB creates a new empty database named after the test.
func (c *cluster) createDB(testName string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	name := dbName(c.seq, testName)
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	if _, err := c.admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	return name, nil
}

// dropDB drops a database, ending any connection a test left open.
func (c *cluster) dropDB(name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	if _, err := c.admin.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// maxNameLen is PostgreSQL's identifier limit (NAMEDATALEN-1 bytes).
const maxNameLen = 63

// dbName makes a valid, unique database name from a sequence number and a
// test name: lower-case letters, digits and underscores only.
func dbName(seq int, testName string) string {
	var b strings.Builder
	b.WriteString("t" + strconv.Itoa(seq) + "_")
	for _, r := range strings.ToLower(testName) {
		if b.Len() >= maxNameLen {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
