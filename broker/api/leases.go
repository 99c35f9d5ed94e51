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

// LeaseRequest is the body of POST /v1/coverage/quote and POST /v1/leases.
// Protocols defaults to ["quic"], Exits to 1 and DurationSeconds to the
// broker's default lease duration. MaxBytes is the most the buyer will pay
// for, in bytes up and down together; RateBps (bytes per second, 0 for no
// limit) is passed to the exits in their tokens.
type LeaseRequest struct {
	Coverage        Coverage `json:"coverage"`
	Protocols       []string `json:"protocols,omitempty"`
	Exits           int      `json:"exits,omitempty"`
	MaxBytes        int64    `json:"max_bytes"`
	DurationSeconds int64    `json:"duration_seconds,omitempty"`
	RateBps         int64    `json:"rate_bps,omitempty"`
}

// Quote is what a lease with the same request would cost now.
// AvailableExits and Operators count all online supply matching the
// coverage; PriceMicrosPerGB is the price the lease would pay: the highest
// floor price among the exits it would get, so that every exit earns at
// least its floor. HoldMicros is what the lease would hold on the balance.
type Quote struct {
	AvailableExits   int   `json:"available_exits"`
	Operators        int   `json:"operators"`
	PriceMicrosPerGB int64 `json:"price_micros_per_gb"`
	FeeBPS           int64 `json:"fee_bps"`
	HoldMicros       int64 `json:"hold_micros"`
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
	Protocols        []string  `json:"protocols"`
	CreatedAt        time.Time `json:"created_at"`
	ExpiresAt        time.Time `json:"expires_at"`
	ClosedAt         time.Time `json:"closed_at,omitzero"`
	Exits            []Exit    `json:"exits"`
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
