// Package api holds the wire types of the broker's REST API: the JSON
// request and response bodies, the problem codes errors carry, and the few
// header names and constants both sides must agree on.
//
// It is shared by the broker (which serves these types) and the Go SDK in
// package client (which sends and receives them). It holds no behaviour and
// imports nothing of the broker, so any program can speak the API without
// pulling in storage or matching code.
package api

// Header names both sides use.
const (
	// HeaderIdempotencyKey makes a POST safe to retry: the broker answers
	// a repeated key (from the same account, with the same body) with the
	// first answer, byte for byte.
	HeaderIdempotencyKey = "Idempotency-Key"
	// HeaderIdempotentReplayed is set to "true" on an answer replayed for
	// a repeated Idempotency-Key.
	HeaderIdempotentReplayed = "Idempotent-Replayed"
	// HeaderRequestID names every answer; problems carry the same ID in
	// their request_id field. Quote it when reporting a problem.
	HeaderRequestID = "X-Request-Id"
	// HeaderRetryAfter says, in whole seconds, when to try again after a
	// 429 or an idempotency_in_progress conflict.
	HeaderRetryAfter = "Retry-After"
)

// Page sizes of every listing.
const (
	DefaultPageLimit = 100
	MaxPageLimit     = 500
)

// ProblemContentType is the media type of every error body (RFC 9457).
const ProblemContentType = "application/problem+json"

// NodeRegistrationContext prefixes the challenge a node signs when it is
// registered, so that a registration signature can never be mistaken for a
// signature over anything else the node key signs.
const NodeRegistrationContext = "sparelink node registration v1\n"

// Problem codes: stable, machine-readable reasons a request failed. Clients
// branch on these, never on titles or details.
const (
	CodeInvalidRequest      = "invalid_request"
	CodeUnauthorized        = "unauthorized"
	CodeForbidden           = "forbidden"
	CodeNotFound            = "not_found"
	CodeConflict            = "conflict"
	CodeInsufficientFunds   = "insufficient_funds"
	CodeIdempotencyMismatch = "idempotency_mismatch"
	CodeNoSupply            = "no_supply"
	CodeInternal            = "internal"
	// CodeIdempotencyInProgress (409) means a request with the same
	// Idempotency-Key is still running; retry after Retry-After.
	CodeIdempotencyInProgress = "idempotency_in_progress"
	// CodeRateLimited (429) means the key sent too many requests; retry
	// after Retry-After.
	CodeRateLimited = "rate_limited"
	// CodeKeyLimitReached (402) means the lease or extension would take
	// the API key past its spend_limit_micros or byte_limit.
	CodeKeyLimitReached = "key_limit_reached"
)

// ProblemTypePrefix starts the type URI of every problem; the code follows.
const ProblemTypePrefix = "urn:sparelink:problem:"

// Problem is an error response body (RFC 9457 problem details) extended
// with a stable Code and the RequestID of the answer.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail,omitempty"`
	Code      string `json:"code"`
	RequestID string `json:"request_id,omitempty"`
}

// Account kinds, also the names of the API key scopes.
const (
	KindBuyer    = "buyer"
	KindOperator = "operator"
	KindAdmin    = "admin"
)

// Connection types a node may declare.
const (
	ConnResidential = "residential"
	ConnBusiness    = "business"
	ConnMobile      = "mobile"
	ConnDatacenter  = "datacenter"
)

// Protocols an exit may serve.
const (
	ProtocolQUIC      = "quic"
	ProtocolWireGuard = "wg"
)

// Lease states.
const (
	LeaseActive    = "active"
	LeaseClosed    = "closed"
	LeaseExhausted = "exhausted"
	LeaseExpired   = "expired"
)

// Node states as seen by the broker.
const (
	NodeOnline  = "online"
	NodeOffline = "offline"
)

// Health is the body of GET /healthz.
type Health struct {
	Status string `json:"status"`
}
