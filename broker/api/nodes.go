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
	// WireGuardPublicKey (standard base64) and WireGuardAddr (host:port)
	// are required when Protocols include "wg".
	WireGuardPublicKey string `json:"wireguard_public_key,omitempty"`
	WireGuardAddr      string `json:"wireguard_addr,omitempty"`
}

// Node is an exit as the broker lists it. OperatorID is shown only to
// administrators and to the operator that owns the node.
type Node struct {
	ID             string   `json:"id"`
	OperatorID     string   `json:"operator_id,omitempty"`
	PublicKey      string   `json:"public_key"` // standard base64
	Region         Region   `json:"region"`
	ASN            int      `json:"asn"`
	ConnectionType string   `json:"connection_type"`
	Protocols      []string `json:"protocols"`
	QUICAddr       string   `json:"quic_addr,omitempty"`
	// WireGuardAddr and WireGuardPublicKey reach the node's WireGuard
	// exit, when it serves "wg".
	WireGuardAddr      string    `json:"wireguard_addr,omitempty"`
	WireGuardPublicKey string    `json:"wireguard_public_key,omitempty"`
	PriceMicrosPerGB   int64     `json:"price_micros_per_gb"`
	CapacityBps        int64     `json:"capacity_bps"`
	SpareBps           int64     `json:"spare_bps"`
	EgressSummary      string    `json:"egress_summary,omitempty"`
	Status             string    `json:"status"` // online or offline
	LastSeen           time.Time `json:"last_seen,omitzero"`
	CreatedAt          time.Time `json:"created_at"`
	// Available is whether the node takes new leases: online, and not
	// held back by its owner's controls (UnavailableReason says why not).
	Available         bool   `json:"available"`
	UnavailableReason string `json:"unavailable_reason,omitempty"`
	// LoadBps and ActiveLeases are the node's relay traffic and leases
	// with open tunnels at its latest heartbeat.
	LoadBps      int64 `json:"load_bps"`
	ActiveLeases int   `json:"active_leases"`
	// OwnerCaps are the owner's caps and schedule as the node last
	// reported them; absent when it never did.
	OwnerCaps *OwnerCaps `json:"owner_caps,omitempty"`
	// LinkReported is the node's own estimate of its line; LinkMeasured
	// is what the broker measured on the node's probes against it.
	LinkReported *Link `json:"link_reported,omitempty"`
	LinkMeasured *Link `json:"link_measured,omitempty"`
	// Quality is what the broker's reachability checks of the exit found.
	Quality NodeQuality `json:"quality"`
	// Reachability is how buyers reach the node, as it last reported
	// it, with the path buyers take and the relay assigned; absent when
	// the node has not reported lately (docs/nat.md).
	Reachability *Reachability `json:"reachability,omitempty"`
}

// OwnerCaps are the limits a node's owner set on sharing. Zero values
// mean no limit; rates are bytes per second.
type OwnerCaps struct {
	MaxUpBps          int64  `json:"max_up_bps,omitempty"`
	MaxDownBps        int64  `json:"max_down_bps,omitempty"`
	MonthlyQuotaBytes int64  `json:"monthly_quota_bytes,omitempty"`
	QuotaResetDay     int    `json:"quota_reset_day,omitempty"` // 1-28
	QuotaUsedBytes    int64  `json:"quota_used_bytes,omitempty"`
	Schedule          string `json:"schedule,omitempty"` // the agent's schedule syntax; empty: always
	OnlyWhenIdle      bool   `json:"only_when_idle,omitempty"`
	MaxLeases         int    `json:"max_leases,omitempty"`
	WebOnly           bool   `json:"web_only,omitempty"`
}

// Link is a line's throughput each way, in bytes per second, as measured
// at MeasuredAt. Up is from the node towards the internet.
type Link struct {
	UpBps      int64     `json:"up_bps"`
	DownBps    int64     `json:"down_bps"`
	MeasuredAt time.Time `json:"measured_at,omitzero"`
}

// NodeQuality is what the broker's reachability checks of an exit found:
// how many were tried and succeeded (the recent ones; older history is
// halved away), the moving average of the successful ones' round trips,
// and when the latest ran.
type NodeQuality struct {
	Checks         int64     `json:"checks"`
	CheckSuccesses int64     `json:"check_successes"`
	LatencyMicros  int64     `json:"latency_micros,omitempty"`
	CheckedAt      time.Time `json:"checked_at,omitzero"`
}

// NodeList is the body of GET /v1/nodes, one page in ID order.
type NodeList struct {
	Nodes   []Node `json:"data"`
	HasMore bool   `json:"has_more"`
}

// HeartbeatRequest is the body of POST /v1/nodes/{id}/heartbeat. Only
// SpareBps is required; a node that reports nothing else is listed as
// available, idle and without owner caps.
type HeartbeatRequest struct {
	SpareBps int64 `json:"spare_bps"`
	// LoadBps is the node's relay traffic now, both directions together.
	LoadBps int64 `json:"load_bps,omitempty"`
	// ActiveLeases counts leases with open tunnels.
	ActiveLeases int `json:"active_leases,omitempty"`
	// Unavailable, when set, is why the owner's controls refuse new
	// leases: one of the Unavailable* reason codes.
	Unavailable string `json:"unavailable,omitempty"`
	// OwnerCaps are the owner's current caps and schedule.
	OwnerCaps *OwnerCaps `json:"owner_caps,omitempty"`
	// Link is the node's own estimate of its line's capacity.
	Link *Link `json:"link,omitempty"`
}

// Reasons a node is unavailable for new leases while online.
const (
	UnavailablePaused     = "paused"
	UnavailableQuota      = "quota_reached"
	UnavailableSchedule   = "outside_schedule"
	UnavailableHousehold  = "household_busy"
	UnavailableLeaseLimit = "lease_limit"
)

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
