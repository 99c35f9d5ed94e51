// Package status is the agent's local status API: a small JSON API on a
// loopback port, protected by a random token kept in the data directory,
// that tells the owner what the agent is doing (registration, capacity,
// sessions, usage against the quota, earnings) and lets the owner change
// settings, pause and resume without a restart. The dashboard and the
// `sparelink-agent status|set|pause|resume` commands use it; Client is
// their side.
//
// It does not decide anything: the agent fills in Status and applies the
// settings it changes through agent/owner.
package status

import (
	"time"

	"github.com/sparelink/sparelink/agent/owner"
	"github.com/sparelink/sparelink/agent/reach"
)

// File names inside the agent's data directory.
const (
	// TokenFile holds the API token (mode 0600).
	TokenFile = "status.token"
	// AddrFile holds the address the API listens on.
	AddrFile = "status.addr"
)

// ReachabilityUnknown is the reachability before it is checked.
const ReachabilityUnknown = string(reach.Unknown)

// Status is the body of GET /v1/status. Rates are bytes per second.
type Status struct {
	NodeID             string `json:"node_id"`
	ExitAddr           string `json:"exit_addr"`
	WireGuardPublicKey string `json:"wireguard_public_key"`
	// Registered reports whether the broker accepted the last
	// registration; LastHeartbeat and HeartbeatError tell how the
	// heartbeats since went.
	Registered     bool      `json:"registered"`
	LastHeartbeat  time.Time `json:"last_heartbeat,omitzero"`
	HeartbeatError string    `json:"heartbeat_error,omitempty"`
	// Reachability is agent/reach's verdict on how buyers reach the exit
	// (ReachabilityUnknown until it is checked), with the findings behind
	// it.
	Reachability        string         `json:"reachability"`
	ReachabilityReasons []reach.Reason `json:"reachability_reasons,omitempty"`
	// Traversal is how buyers behind other NATs reach the exit, when the
	// agent punches (docs/nat.md); absent otherwise.
	Traversal *Traversal     `json:"traversal,omitempty"`
	Serving   Serving        `json:"serving"`
	Capacity  Capacity       `json:"capacity"`
	Settings  owner.Settings `json:"settings"`
	// ActiveTunnels is how many buyer connections are open now.
	ActiveTunnels int       `json:"active_tunnels"`
	Sessions      []Session `json:"sessions"`
	Usage         Usage     `json:"usage"`
	Earnings      Earnings  `json:"earnings"`
	At            time.Time `json:"at"`
}

// Statement is one day of this node's settled traffic.
type Statement struct {
	PeriodStart time.Time `json:"period_start"`
	Bytes       int64     `json:"bytes"`
	NetMicros   int64     `json:"net_micros"`
	FeeMicros   int64     `json:"fee_micros"`
}

// BrokerView is what the broker says about this node: whether it takes
// leases, its own measurement of the line (next to the agent's estimate in
// Capacity) and its reachability checks of the exit.
type BrokerView struct {
	Available         bool      `json:"available"`
	UnavailableReason string    `json:"unavailable_reason,omitempty"`
	MeasuredUpBps     int64     `json:"measured_up_bps,omitempty"`
	MeasuredDownBps   int64     `json:"measured_down_bps,omitempty"`
	MeasuredAt        time.Time `json:"measured_at,omitzero"`
	Checks            int64     `json:"checks"`
	CheckSuccesses    int64     `json:"check_successes"`
	LatencyMicros     int64     `json:"latency_micros,omitempty"`
}

// Traversal is the state of NAT traversal.
type Traversal struct {
	// NATMapping and NATFiltering are the NAT's behaviour (reach's
	// endpoint_independent, address_dependent or unknown).
	NATMapping   string `json:"nat_mapping"`
	NATFiltering string `json:"nat_filtering"`
	// Path is how buyers reach the exit: "direct" (they dial it),
	// "punch" (they punch a hole, or go through the relay).
	Path string `json:"path"`
	// Relay is the rendezvous relay the broker assigned; RelayConnected
	// whether the agent holds a registered connection to it.
	Relay          string `json:"relay,omitempty"`
	RelayConnected bool   `json:"relay_connected"`
	// OpenPaths are the punched paths buyers use now; Punched and Failed
	// count the offers that did and did not end in a path.
	OpenPaths int `json:"open_paths"`
	Punched   int `json:"punched"`
	Failed    int `json:"failed"`
}

// Serving is the owner's controls applied: the agent's latest decision.
type Serving struct {
	// Tunnels reports whether new tunnels are accepted.
	Tunnels bool `json:"tunnels"`
	// NewLeases reports whether the agent asks the broker for new leases.
	NewLeases bool `json:"new_leases"`
	// Reason is an owner.Reason when either is false; Detail explains it.
	Reason string `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"`
	// CapBps is the rate cap the exit applies now: the owner's cap,
	// lowered while the household needs the line; zero: none.
	CapBps int64 `json:"cap_bps"`
	// OwnerCapBps is the owner's cap alone; zero: none.
	OwnerCapBps int64 `json:"owner_cap_bps"`
	// SpareBps is what heartbeats report to the broker.
	SpareBps int64 `json:"spare_bps"`
	// ScheduleChange is when the schedule next starts or stops sharing.
	ScheduleChange time.Time `json:"schedule_change,omitzero"`
}

// Capacity is the latest measurement of the line.
type Capacity struct {
	HouseholdUpBps   int64 `json:"household_up_bps"`
	HouseholdDownBps int64 `json:"household_down_bps"`
	// RelayBps is the relay's payload rate, both directions together.
	RelayBps    int64     `json:"relay_bps"`
	LinkUpBps   int64     `json:"link_up_bps"`
	LinkDownBps int64     `json:"link_down_bps"`
	SpareBps    int64     `json:"spare_bps"`
	At          time.Time `json:"at,omitzero"`
}

// Session is one buyer's lease the exit carried traffic for.
type Session struct {
	LeaseID    string    `json:"lease_id"`
	UpBytes    int64     `json:"up_bytes"`
	DownBytes  int64     `json:"down_bytes"`
	LastActive time.Time `json:"last_active"`
}

// Usage is the relay's line traffic in this quota period.
type Usage struct {
	PeriodStart time.Time `json:"period_start"`
	PeriodEnd   time.Time `json:"period_end"`
	UsedBytes   int64     `json:"used_bytes"`
	// QuotaBytes is the owner's quota; zero means none.
	QuotaBytes int64 `json:"quota_bytes"`
}

// Earnings is the operator account's balance at the broker, in
// micro-units.
type Earnings struct {
	EarnedMicros    int64     `json:"earned_micros"`
	AvailableMicros int64     `json:"available_micros"`
	At              time.Time `json:"at,omitzero"`
	// Statements are this node's daily statements from the broker, the
	// most recent last: what was settled, the fee and what was earned.
	Statements []Statement `json:"statements,omitempty"`
	// Broker is how the broker lists this node; nil until fetched.
	Broker *BrokerView `json:"broker,omitempty"`
	// Error is why the balance could not be fetched, if it could not.
	Error string `json:"error,omitempty"`
}
