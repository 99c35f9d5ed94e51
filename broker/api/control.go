package api

import (
	"encoding/json"
	"time"
)

// Command types a node may receive over its control channel. A node
// acknowledges (and skips) types it does not know, so new types can be
// added without breaking older nodes.
const (
	// CommandRevoke ends a lease on the node: its tokens are refused
	// until Until and its open tunnels end. Data is a Revocation.
	CommandRevoke = "revoke"
	// CommandProbe asks the node to measure its line against the broker
	// soon. Data is empty.
	CommandProbe = "probe"
)

// Command is one instruction for a node. IDs increase; asking for the
// commands after an ID acknowledges it and every one before.
type Command struct {
	ID        int64           `json:"id"`
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"created_at"`
	ExpiresAt time.Time       `json:"expires_at"`
	Data      json.RawMessage `json:"data"`
}

// CommandBatch is the answer to GET /v1/nodes/{id}/commands: the commands
// after the request's cursor, oldest first, possibly none when the wait
// ran out. Next is the cursor for the next poll. WaitSeconds is how long
// the broker wants the node to ask it to wait next time: the node polls
// again at once with that wait, so a command reaches it within about a
// round trip.
type CommandBatch struct {
	Commands    []Command `json:"data"`
	Next        int64     `json:"next"`
	WaitSeconds int       `json:"wait_seconds"`
}
