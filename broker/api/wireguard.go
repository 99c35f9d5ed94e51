package api

import "time"

// WireGuard tunnel addresses: every exit hands its peers addresses from
// these pools (index 1 is the exit's own address, where it answers DNS),
// and the broker assigns each lease's peer an index that is free on that
// exit, so a buyer's configuration is known when the lease is created.
const (
	WireGuardPrefix4 = "10.200.0.0/16"
	WireGuardPrefix6 = "fd00:5e::/64"
	// WireGuardFirstIndex is the first index handed to peers.
	WireGuardFirstIndex = 2
	// WireGuardMaxIndex is the last index handed to peers (the /16 less
	// its broadcast address).
	WireGuardMaxIndex = 65534
	// WireGuardMTU is the tunnel MTU in rendered configurations: it fits
	// inside IPv6 paths with the minimum MTU of 1280.
	WireGuardMTU = 1280
)

// CommandWireGuardPeer tells a node to admit a buyer's WireGuard key for
// a lease. Data is a WireGuardPeer. The node replaces any peer holding
// the same address: the broker assigns addresses.
const CommandWireGuardPeer = "wireguard_peer"

// WireGuardPeer is a buyer's key admitted on one exit for one lease, with
// its tunnel addresses and the lease's limits.
type WireGuardPeer struct {
	LeaseID   string    `json:"lease_id"`
	PublicKey string    `json:"public_key"` // standard base64 Curve25519
	Index     int       `json:"index"`      // host index in both pools
	Address4  string    `json:"address4"`   // e.g. 10.200.0.2
	Address6  string    `json:"address6"`   // e.g. fd00:5e::2
	RateBps   int64     `json:"rate_bps,omitempty"`
	MaxBytes  int64     `json:"max_bytes,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
}

// WireGuardPeerList is the body of GET /v1/nodes/{id}/wireguard/peers:
// the peers of the node's active leases, for a node that starts or lost
// commands to put its exit in order.
type WireGuardPeerList struct {
	Peers []WireGuardPeer `json:"data"`
}

// WireGuardExit is how to reach an exit with a stock WireGuard client.
// Config is a complete wg-quick configuration except for the buyer's
// private key, which never reaches the broker: put it in the [Interface]
// section as "PrivateKey = …" (the SDK does this for keys it generated).
type WireGuardExit struct {
	Endpoint  string `json:"endpoint"`   // host:port
	PublicKey string `json:"public_key"` // the exit's key, standard base64
	Address4  string `json:"address4"`
	Address6  string `json:"address6"`
	DNS       string `json:"dns"`
	Config    string `json:"config"`
}
