package pgtest

import (
	"errors"
	"fmt"
)

// ErrMissing is what StartServer's error wraps when the machine lacks
// something needed to run a server: the binaries, or under root the
// "postgres" account. Callers that can do without PostgreSQL branch on
// it with errors.Is and carry on.
var ErrMissing = errors.New("PostgreSQL is not available")

// Unwrap makes every missingError match ErrMissing.
func (e *missingError) Unwrap() error { return ErrMissing }

// StartServer starts a throwaway server outside a test binary, for tools
// such as cmd/sparelink-bench, with the same settings as the tests' one
// (loopback only, fsync off, data in a new temporary directory). It
// returns the URL of a new empty database and stop, which shuts the
// server down and removes its files. A server whose program dies without
// calling stop gets PostgreSQL's immediate-shutdown signal from the kernel.
func StartServer() (url string, stop func() error, err error) {
	c, err := start(searchPath())
	if err != nil {
		return "", nil, fmt.Errorf("start PostgreSQL: %w", err)
	}
	name, err := c.createDB("server")
	if err != nil {
		return "", nil, errors.Join(err, c.stop())
	}
	return c.url(name), c.stop, nil
}
