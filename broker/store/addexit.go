package store

import (
	"fmt"
	"slices"
)

// WithExit returns l's exits with nodeID added, whether anything changed,
// or ErrConflict when l is not active or already has maxExits exits: the
// rule both engines apply inside AddLeaseExit's transaction.
func WithExit(l Lease, nodeID string, maxExits int) ([]string, bool, error) {
	switch {
	case l.Status != LeaseActive:
		return nil, false, fmt.Errorf("lease %s is %s: %w", l.ID, l.Status, ErrConflict)
	case slices.Contains(l.NodeIDs, nodeID):
		return l.NodeIDs, false, nil
	case len(l.NodeIDs) >= maxExits:
		return nil, false, fmt.Errorf("lease %s has %d exits already: %w", l.ID, len(l.NodeIDs), ErrConflict)
	}
	return append(slices.Clone(l.NodeIDs), nodeID), true, nil
}
