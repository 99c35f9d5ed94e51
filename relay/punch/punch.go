// Package punch opens a direct UDP path between a buyer and an exit node
// that both sit behind NAT, with ICE (RFC 8445): each side gathers host and
// server-reflexive candidates against the broker's STUN server, the two
// descriptions are swapped over the broker's signalling, and connectivity
// checks punch a hole in both NATs. The punched path is then offered as a
// net.PacketConn, so that the QUIC exit and the buyer's dialer run over it
// exactly as over a UDP socket: same TLS pin, tokens, egress and metering.
//
// The ICE engine is pion's (pion/ice, the agent under pion/webrtc); STUN
// servers are named as webrtc.ICEServer values. The package neither
// signals nor relays: the broker carries descriptions, and relay/forward
// carries packets when no hole can be punched.
package punch

import (
	"errors"
	"time"

	"github.com/pion/webrtc/v4"
)

// Errors callers branch on.
var (
	// ErrBadDescription means a peer's description does not parse or
	// breaks a limit.
	ErrBadDescription = errors.New("punch: bad description")
	// ErrNoPath means the connectivity checks found no working pair of
	// candidates before the deadline: the NATs do not let a hole through.
	ErrNoPath = errors.New("punch: no path")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("punch: closed")
)

// Limits on a peer's description, which arrives from the network.
const (
	MaxCandidates   = 32
	maxCandidateLen = 512
	maxCredLen      = 256
	minUfragLen     = 4  // RFC 8445 section 5.3: at least 24 bits
	minPwdLen       = 22 // at least 128 bits
)

// Description is one side's half of the exchange: its ICE credentials
// and candidates in SDP attribute form ("candidate:..." without "a=").
type Description struct {
	Ufrag      string   `json:"ufrag"`
	Pwd        string   `json:"pwd"`
	Candidates []string `json:"candidates"`
}

// Config configures a Session. The zero value gathers host candidates
// only, over UDP/IPv4 on every non-loopback interface, and gives up
// connectivity checks after 10 s.
type Config struct {
	// ICEServers are the STUN servers that reveal each side's public
	// address ("stun:host:port"); the broker runs one. TURN URLs are
	// ignored: relay/forward is the fallback.
	ICEServers []webrtc.ICEServer
	// Loopback also gathers loopback candidates, for tests on one host.
	Loopback bool
	// Interfaces, when not empty, limits host candidates to these names.
	Interfaces []string
	// GatherTimeout bounds candidate gathering; zero means 3 s.
	GatherTimeout time.Duration
	// ConnectTimeout bounds the connectivity checks; zero means 10 s.
	ConnectTimeout time.Duration
	// KeepAlive is how often an idle path is refreshed so NAT bindings
	// stay open; zero means 5 s.
	KeepAlive time.Duration
}

func (c Config) withDefaults() Config {
	if c.GatherTimeout <= 0 {
		c.GatherTimeout = 3 * time.Second
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 10 * time.Second
	}
	if c.KeepAlive <= 0 {
		c.KeepAlive = 5 * time.Second
	}
	return c
}
