// Package probe measures a line's capacity actively: it downloads and
// uploads a bounded number of bytes from a probe endpoint on a relay or
// the broker and times the transfers. Interface counters (agent/capacity)
// learn a link's size only when something happens to fill it; a probe
// fills it on purpose, briefly, and only while the line is idle, so the
// household does not notice.
//
// The package holds both ends of the probe protocol: Handler, which a
// relay or the broker mounts, and Prober, which the agent runs. It is not
// a speed test for people, and it never probes third-party servers.
//
// Protocol, under the server's base URL:
//
//	GET  /v1/probe/download?bytes=N  200, exactly N bytes of application/octet-stream
//	POST /v1/probe/upload            a body of N bytes; 200 {"received_bytes": N}
//
// N is between 1 and the server's limit. Errors are problem+json bodies:
// 400 or 413 with code invalid_request, 405 for another method, and 429
// rate_limited with Retry-After while the server is busy with other probes.
package probe

import (
	"errors"
	"time"
)

// Paths of the two endpoints; mount Handler on a mux under "/v1/probe/".
const (
	DownloadPath = "/v1/probe/download"
	UploadPath   = "/v1/probe/upload"
)

// Errors callers branch on.
var (
	// ErrNotIdle means the line carried traffic, so no probe was sent.
	ErrNotIdle = errors.New("probe: line is not idle")
	// ErrBusy means the server refused the probe because it is serving
	// others; try again later.
	ErrBusy = errors.New("probe: server busy")
	// ErrBadSize is a byte count outside 1..limit.
	ErrBadSize = errors.New("probe: byte count out of range")
	// ErrMismatch means the server moved a different number of bytes than
	// asked for.
	ErrMismatch = errors.New("probe: server moved the wrong number of bytes")
)

// UploadReply is the body of a successful upload.
type UploadReply struct {
	ReceivedBytes int64 `json:"received_bytes"`
}

// Result is one measurement. Rates are in bytes per second, each from the
// largest round of its direction.
type Result struct {
	UpBps, DownBps int64
	// UpBytes and DownBytes are what the probe moved in all, so callers
	// can account for it.
	UpBytes, DownBytes int64
	Duration           time.Duration
	At                 time.Time
}
