package api

// NAT traversal: how a buyer reaches an exit that cannot accept inbound
// traffic. The buyer posts an ICE offer for one exit of its lease; the
// broker hands it to the node over the control channel as a "signal"
// command; the node answers through POST /v1/nodes/{id}/signal and the
// buyer's request returns the answer. When no hole can be punched, both
// sides use the rendezvous relay the broker assigned to the node.

// CommandSignal carries a buyer's offer to a node. Data is a SignalOffer.
const CommandSignal = "signal"

// Problem codes of signalling.
const (
	// CodeSignalTimeout: the node did not answer the offer in time.
	CodeSignalTimeout = "signal_timeout"
	// CodeSignalRefused: the node answered with an error instead of a
	// description.
	CodeSignalRefused = "signal_refused"
)

// Reachability codes, as the agent's checker reports them.
const (
	ReachPublic      = "public"
	ReachPortMapped  = "port_mapped"
	ReachBehindNAT   = "behind_nat"
	ReachBehindCGNAT = "behind_cgnat"
	ReachNoUDP       = "no_udp"
	ReachUnknown     = "unknown"
)

// NAT mapping and filtering behaviour (RFC 4787), as STUN tests against
// two of the broker's ports tell them apart.
const (
	NATEndpointIndependent = "endpoint_independent"
	NATAddressDependent    = "address_dependent"
	NATUnknown             = "unknown"
)

// ICEDescription is one side of an ICE exchange: credentials and
// candidates in SDP attribute form ("candidate:1 1 udp ...").
type ICEDescription struct {
	Ufrag      string   `json:"ufrag"`
	Pwd        string   `json:"pwd"`
	Candidates []string `json:"candidates"`
}

// NATBehavior is how a NAT maps and filters UDP. Mapping
// address_dependent is a "symmetric" NAT: punching through it only works
// when the other side's filtering is endpoint independent.
type NATBehavior struct {
	Mapping   string `json:"mapping"`
	Filtering string `json:"filtering"`
}

// RelayRoute is a rendezvous relay's blind forwarder: the UDP address
// where buyers and the node meet when no hole can be punched.
type RelayRoute struct {
	NodeID string `json:"node_id"`
	Addr   string `json:"addr"`
}

// SignalRequest is the body of POST /v1/leases/{id}/exits/{node}/signal.
type SignalRequest struct {
	Offer ICEDescription `json:"offer"`
	NAT   *NATBehavior   `json:"nat,omitempty"`
}

// SignalResponse answers a SignalRequest: the node's description, and the
// relay to fall back on, if the node has one.
type SignalResponse struct {
	SignalID string         `json:"signal_id"`
	Answer   ICEDescription `json:"answer"`
	Relay    *RelayRoute    `json:"relay,omitempty"`
}

// SignalOffer is the data of a "signal" command.
type SignalOffer struct {
	SignalID string         `json:"signal_id"`
	LeaseID  string         `json:"lease_id"`
	Offer    ICEDescription `json:"offer"`
	NAT      *NATBehavior   `json:"nat,omitempty"`
}

// SignalAnswer is the body of POST /v1/nodes/{id}/signal: the node's
// description for SignalID, or Error when it will not punch (the buyer
// then gets a signal_refused problem with Error as its detail).
type SignalAnswer struct {
	SignalID string          `json:"signal_id"`
	Answer   *ICEDescription `json:"answer,omitempty"`
	Error    string          `json:"error,omitempty"`
}

// Reachability is how buyers can reach a node, as the node found out and
// reports with POST /v1/nodes/{id}/reachability. Forwarder is set by
// relays that run a blind forwarder for NAT'd nodes.
type Reachability struct {
	Code       string       `json:"code"`
	Reasons    []string     `json:"reasons,omitempty"`
	NAT        *NATBehavior `json:"nat,omitempty"`
	MappedAddr string       `json:"mapped_addr,omitempty"`
	Forwarder  string       `json:"forwarder,omitempty"`
	// Path is filled in by the broker in listings: "direct" when buyers
	// dial the exit's address, "punch" when they signal first, with
	// Relay as the fallback.
	Path  string      `json:"path,omitempty"`
	Relay *RelayRoute `json:"relay,omitempty"`
}

// ReachabilityAnswer answers a reachability report: the relay the node
// should keep a connection to, if it needs one.
type ReachabilityAnswer struct {
	Relay *RelayRoute `json:"relay,omitempty"`
}

// How buyers reach a node, in Reachability.Path.
const (
	PathDirect = "direct"
	PathPunch  = "punch"
)

// ExitTraversal is set on a lease's exit that buyers cannot dial: they
// signal it (POST /v1/leases/{id}/exits/{node}/signal) and punch a hole,
// or go through Relay when no hole can be punched.
type ExitTraversal struct {
	Signal string      `json:"signal"` // the signalling endpoint's path
	Relay  *RelayRoute `json:"relay,omitempty"`
}
