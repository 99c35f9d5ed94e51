package store

import (
	"context"
	"time"
)

// Command is an instruction for one node, delivered over the node's
// control channel: the node long-polls for the commands queued after the
// last one it saw, and asking past a command acknowledges it.
type Command struct {
	ID        int64 // assigned by QueueCommand, increasing across all nodes
	NodeID    string
	Type      string
	Payload   []byte // JSON, opaque to the store
	CreatedAt time.Time
	// ExpiresAt is when the command stops mattering: it is never
	// delivered after it, acknowledged or not.
	ExpiresAt time.Time
}

// CommandStore queues node commands. It is part of Store.
type CommandStore interface {
	// QueueCommand appends c to its node's queue and returns its ID. The
	// node must exist (ErrNotFound otherwise).
	QueueCommand(ctx context.Context, c Command) (int64, error)
	// Commands returns up to limit of the node's commands with an ID
	// above after that have not expired at now, oldest first.
	Commands(ctx context.Context, nodeID string, after int64, now time.Time, limit int) ([]Command, error)
	// AckCommands deletes the node's commands up to and including upTo,
	// and those of any node that expired at or before now.
	AckCommands(ctx context.Context, nodeID string, upTo int64, now time.Time) error
}
