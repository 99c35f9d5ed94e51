package api

import "time"

// Region is where a node's traffic leaves the internet.
type Region struct {
	Country     string `json:"country"`               // ISO 3166-1 alpha-2, upper case
	Subdivision string `json:"subdivision,omitempty"` // ISO 3166-2, e.g. "DE-BE"
	City        string `json:"city,omitempty"`
}

// Challenge is the body of POST /v1/nodes/challenge: an opaque string the
// node signs to prove it holds its key, valid until ExpiresAt.
type Challenge struct {
	Challenge string    `json:"challenge"`
	ExpiresAt time.Time `json:"expires_at"`
}

// RegisterNodeRequest is the body of POST /v1/nodes. Signature is the
// node's Ed25519 signature over NodeRegistrationContext + Challenge; both
// PublicKey and Signature are standard base64.
type RegisterNodeRequest struct {
	PublicKey        string   `json:"public_key"`
	Challenge        string   `json:"challenge"`
	Signature        string   `json:"signature"`
	Region           Region   `json:"region"`
	ASN              int      `json:"asn"`
	ConnectionType   string   `json:"connection_type"`
	Protocols        []string `json:"protocols"`
	QUICAddr         string   `json:"quic_addr"`
	PriceMicrosPerGB int64    `json:"price_micros_per_gb"`
	CapacityBps      int64    `json:"capacity_bps"`
	EgressSummary    string   `json:"egress_summary,omitempty"`
}

// Node is an exit as the broker lists it. OperatorID is shown only to
// administrators and to the operator that owns the node.
type Node struct {
	ID               string    `json:"id"`
	OperatorID       string    `json:"operator_id,omitempty"`
	PublicKey        string    `json:"public_key"` // standard base64
	Region           Region    `json:"region"`
	ASN              int       `json:"asn"`
	ConnectionType   string    `json:"connection_type"`
	Protocols        []string  `json:"protocols"`
	QUICAddr         string    `json:"quic_addr,omitempty"`
	PriceMicrosPerGB int64     `json:"price_micros_per_gb"`
	CapacityBps      int64     `json:"capacity_bps"`
	SpareBps         int64     `json:"spare_bps"`
	EgressSummary    string    `json:"egress_summary,omitempty"`
	Status           string    `json:"status"` // online or offline
	LastSeen         time.Time `json:"last_seen,omitzero"`
	CreatedAt        time.Time `json:"created_at"`
}

// NodeList is the body of GET /v1/nodes, one page in ID order.
type NodeList struct {
	Nodes   []Node `json:"data"`
	HasMore bool   `json:"has_more"`
}

// HeartbeatRequest is the body of POST /v1/nodes/{id}/heartbeat.
type HeartbeatRequest struct {
	SpareBps int64 `json:"spare_bps"`
}

// HeartbeatResponse tells the node its state, when to report again and
// which of its leases ended recently.
type HeartbeatResponse struct {
	NodeID               string `json:"node_id"`
	Status               string `json:"status"`
	NextHeartbeatSeconds int    `json:"next_heartbeat_seconds"`
	// Revoked lists the node's leases that ended (closed, expired or
	// exhausted) within the last token lifetime, most recent first. The
	// node refuses their tokens until each entry's Until and ends their
	// tunnels.
	Revoked []Revocation `json:"revoked"`
}

// Revocation is one ended lease in a heartbeat answer. Until is the
// latest expiry of any token issued for it; past it the tokens are
// refused as expired anyway.
type Revocation struct {
	LeaseID string    `json:"lease_id"`
	Until   time.Time `json:"until"`
}
