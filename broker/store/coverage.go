package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// Coverage is what a lease asked of its exits' location and network,
// kept so that the broker can find a replacement for an exit that dies.
// Zero fields match any node.
type Coverage struct {
	Country     string `json:"country,omitempty"`
	Subdivision string `json:"subdivision,omitempty"`
	City        string `json:"city,omitempty"`
	ASN         int    `json:"asn,omitempty"`
	ConnType    string `json:"connection_type,omitempty"`
}

// EncodeCoverage is how both engines store a lease's coverage: JSON, or
// "" for none.
func EncodeCoverage(c Coverage) string {
	if c == (Coverage{}) {
		return ""
	}
	raw, _ := json.Marshal(c) // strings and an int: cannot fail
	return string(raw)
}

// DecodeCoverage reverses EncodeCoverage.
func DecodeCoverage(s string) (Coverage, error) {
	var c Coverage
	if s == "" {
		return c, nil
	}
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return c, fmt.Errorf("lease coverage: %w", err)
	}
	return c, nil
}

// ExitStore changes the exits of leases. It is part of Store.
type ExitStore interface {
	// AddLeaseExit adds nodeID to an active lease's exits, in one
	// transaction, and returns the lease. A node already there changes
	// nothing. ErrConflict when the lease is not active or already has
	// maxExits exits; ErrNotFound for an unknown lease.
	AddLeaseExit(ctx context.Context, leaseID, nodeID string, maxExits int) (Lease, error)
}
