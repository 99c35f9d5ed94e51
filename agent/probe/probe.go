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
// Protocol, under a base URL the server chooses (a relay serves it under
// /v1, the broker under /v1/nodes/{id} for each node, with the node's
// operator key):
//
//	GET  {base}/probe/download?bytes=N  200, exactly N bytes of application/octet-stream
//	POST {base}/probe/upload            a body of N bytes; 200 {"received_bytes": N}
//
// N is between 1 and the server's limit. Errors are problem+json bodies:
// 400 or 413 with code invalid_request, 405 for another method, and 429
// rate_limited with Retry-After while the server is busy with other probes.
package probe

import (
	"errors"
	"time"
)

// The two endpoints end in these suffixes; Handler serves any path that
// does, so it can be mounted under any base.
const (
	DownloadSuffix = "/probe/download"
	UploadSuffix   = "/probe/upload"
)

// Paths of the two endpoints under the usual base, /v1.
const (
	DownloadPath = "/v1" + DownloadSuffix
	UploadPath   = "/v1" + UploadSuffix
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
