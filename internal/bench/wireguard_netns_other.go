//go:build !linux

package bench

import (
	"errors"
	"fmt"
)

// inNetns needs Linux network namespaces.
func inNetns(ns string, _ func() error) error {
	return fmt.Errorf("network namespace %s: %w", ns, errors.ErrUnsupported)
}
