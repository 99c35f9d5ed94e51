package api

import "time"

// Coverage says where and on what kind of network a buyer wants exits.
// Empty fields match any node.
type Coverage struct {
	Country        string `json:"country,omitempty"`
	Subdivision    string `json:"subdivision,omitempty"`
	City           string `json:"city,omitempty"`
	ASN            int    `json:"asn,omitempty"`
	ConnectionType string `json:"connection_type,omitempty"`
}

// Lease modes: how the buyer's gateway spreads traffic over a lease's
// exits. The broker stores the mode and returns it; gateways apply it.
const (
	// ModeRotating spreads new connections over every exit (the default).
	ModeRotating = "rotating"
	// ModeSticky keeps each destination on one exit while that exit is
	// up, and moves it to another when it is not.
	ModeSticky = "sticky"
	// ModeStrict keeps each destination on one exit and never moves it:
	// when the exit is gone, connections to it fail.
	ModeStrict = "strict"
)

// Lease request defaults, for fields left out.
const (
	DefaultMaxBytes = 1 << 30 // 1 GiB
	DefaultExits    = 1
)

// LeaseRequest is the body of POST /v1/coverage/quote and POST /v1/leases.
// Every field is optional, so {} buys one exit anywhere: Coverage matches
// any node, Protocols defaults to ["quic"], Exits to 1, MaxBytes to 1 GiB,
// DurationSeconds to the broker's default lease duration (1h unless the
// operator changed it) and Mode to rotating. MaxBytes is the most the
// buyer will pay for, in bytes up and down together, and the byte cap of
// the exits' tokens; RateBps (bytes per second, 0 for no limit) is the
// rate each exit shapes the lease's traffic to.
type LeaseRequest struct {
	Coverage        Coverage `json:"coverage,omitzero"`
	Protocols       []string `json:"protocols,omitempty"`
	Exits           int      `json:"exits,omitempty"`
	MaxBytes        int64    `json:"max_bytes,omitempty"`
	DurationSeconds int64    `json:"duration_seconds,omitempty"`
	RateBps         int64    `json:"rate_bps,omitempty"`
	Mode            string   `json:"mode,omitempty"`
	// BuyerKey is the Ed25519 public key (standard base64) the buyer's
	// side countersigns receipts with; see docs/metering.md. Leases
	// without one are billed on the exits' counts alone.
	BuyerKey string `json:"buyer_key,omitempty"`
	// WireGuardPublicKey is the buyer's WireGuard public key (standard
	// base64), required when Protocols include "wg": every exit admits it
	// for the lease.
	WireGuardPublicKey string `json:"wireguard_public_key,omitempty"`
	// NAT is the buyer's own NAT behaviour, when it knows it: matching
	// then prefers exits a hole can be punched to (docs/nat.md).
	NAT *NATBehavior `json:"nat,omitempty"`
}

// Quote is what a lease with the same request would cost now.
// AvailableExits and Operators count all online supply matching the
// coverage; SpareBps is the spare capacity the exits the lease would get
// reported. PriceMicrosPerGB is the price the lease would pay (the highest
// floor among those exits, or the published minimum if that is higher);
// PriceMicrosPerHour is what an hour of traffic at the request's rate_bps
// costs at that price, or, without a rate, an hour at the exits' combined
// spare capacity. HoldMicros is what the lease would hold on the balance
// for MaxBytes. Quality is what the market measured about those exits.
type Quote struct {
	AvailableExits     int     `json:"available_exits"`
	Operators          int     `json:"operators"`
	SpareBps           int64   `json:"spare_bps"`
	PriceMicrosPerGB   int64   `json:"price_micros_per_gb"`
	PriceMicrosPerHour int64   `json:"price_micros_per_hour"`
	FeeBPS             int64   `json:"fee_bps"`
	MaxBytes           int64   `json:"max_bytes"`
	HoldMicros         int64   `json:"hold_micros"`
	Quality            Quality `json:"quality"`
}

// Quality is what the market has measured about a set of exits. Every
// field is zero until measured.
type Quality struct {
	SuccessRate   float64 `json:"success_rate"`   // share of attempts through the exits that worked, 0 to 1
	LatencyMillis int64   `json:"latency_ms"`     // median round trip through the exits
	ThroughputBps int64   `json:"throughput_bps"` // bytes per second measured through the exits
}

// ExtendLeaseRequest is the body of POST /v1/leases/{id}/extend: more
// time, more bytes, or both. More bytes raise the hold by their price.
type ExtendLeaseRequest struct {
	AddSeconds int64 `json:"add_seconds,omitempty"`
	AddBytes   int64 `json:"add_bytes,omitempty"`
}

// QUICExit is how to reach an exit over QUIC: its address, its node public
// key (standard base64) to pin the TLS certificate to, and a broker-signed
// token to present. Token is set only in responses about one active lease,
// not in listings.
type QUICExit struct {
	Addr      string `json:"addr"`
	PublicKey string `json:"public_key"`
	Token     string `json:"token,omitempty"`
}

// Exit is one node of a lease with ready credentials.
type Exit struct {
	NodeID         string    `json:"node_id"`
	Region         Region    `json:"region"`
	ConnectionType string    `json:"connection_type"`
	ASN            int       `json:"asn"`
	QUIC           *QUICExit `json:"quic,omitempty"`
	// WireGuard is set for leases with the "wg" protocol.
	WireGuard *WireGuardExit `json:"wireguard,omitempty"`
	// Traversal is set for QUIC exits behind NAT (docs/nat.md).
	Traversal *ExitTraversal `json:"traversal,omitempty"`
}

// Lease is coverage a buyer bought. Exits carry credentials only while the
// lease is active; tokens are short-lived, and reading the lease again
// returns fresh ones.
type Lease struct {
	ID               string    `json:"id"`
	Status           string    `json:"status"`
	PriceMicrosPerGB int64     `json:"price_micros_per_gb"`
	FeeBPS           int64     `json:"fee_bps"`
	HoldMicros       int64     `json:"hold_micros"`
	MaxBytes         int64     `json:"max_bytes"`
	RateBps          int64     `json:"rate_bps,omitempty"`
	Mode             string    `json:"mode"`
	Protocols        []string  `json:"protocols"`
	CreatedAt        time.Time `json:"created_at"`
	ExpiresAt        time.Time `json:"expires_at"`
	ClosedAt         time.Time `json:"closed_at,omitzero"`
	Exits            []Exit    `json:"exits"`
	BuyerKey         string    `json:"buyer_key,omitempty"` // as in LeaseRequest
}

// LeaseList is the body of GET /v1/leases, one page in ID order.
type LeaseList struct {
	Leases  []Lease `json:"data"`
	HasMore bool    `json:"has_more"`
}

// ExitUsage is the settled usage of one exit of a lease.
type ExitUsage struct {
	NodeID        string `json:"node_id"`
	Seq           uint64 `json:"seq"`
	BytesUp       int64  `json:"bytes_up"`
	BytesDown     int64  `json:"bytes_down"`
	ChargedMicros int64  `json:"charged_micros"`
	FeeMicros     int64  `json:"fee_micros"`
}

// Usage is the body of GET /v1/leases/{id}/usage. ChargedMicros is what the
// buyer paid; FeeMicros + SellerMicros = ChargedMicros.
type Usage struct {
	LeaseID       string      `json:"lease_id"`
	Exits         []ExitUsage `json:"exits"`
	ChargedMicros int64       `json:"charged_micros"`
	FeeMicros     int64       `json:"fee_micros"`
	SellerMicros  int64       `json:"seller_micros"`
}
