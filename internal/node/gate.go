package node

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"sync/atomic"

	"github.com/sparelink/sparelink/relay/egress"
	"github.com/sparelink/sparelink/relay/quicexit"
)

// ErrRefused is wrapped by the dial errors of tunnels a node refuses while
// its owner does not share; see Refuse.
var ErrRefused = errors.New("node refuses new tunnels")

// gate stands between the exit and the egress policy: it refuses new
// tunnels while the node does not serve, and lets the owner change the
// policy while the exit runs. Open tunnels are not affected by either.
type gate struct {
	policy  atomic.Pointer[egress.Policy]
	refusal atomic.Pointer[string]
}

func newGate(p *egress.Policy, refusal string) *gate {
	g := new(gate)
	g.policy.Store(p)
	g.refuse(refusal)
	return g
}

// DialContext dials through the current policy unless the node refuses
// new tunnels.
func (g *gate) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if r := g.refusal.Load(); r != nil {
		return nil, refusedError(*r)
	}
	return g.policy.Load().DialContext(ctx, network, address)
}

var _ quicexit.ProxyStatuser = refusedError("")

// refusedError is the dial error while the node refuses new tunnels: it
// is ErrRefused, and buyers see the owner's reason in a 503 with
// Proxy-Status error http_request_denied, so their gateways try another
// exit.
type refusedError string

func (e refusedError) Error() string        { return ErrRefused.Error() + ": " + string(e) }
func (e refusedError) Is(target error) bool { return target == ErrRefused }

// ProxyStatus tells the exit how to answer the buyer.
func (e refusedError) ProxyStatus() (int, string, string) {
	return http.StatusServiceUnavailable, "http_request_denied", string(e)
}

func (g *gate) refuse(reason string) {
	if reason == "" {
		g.refusal.Store(nil)
		return
	}
	g.refusal.Store(&reason)
}

func (g *gate) reason() string {
	if r := g.refusal.Load(); r != nil {
		return *r
	}
	return ""
}

// Refuse makes the exit refuse new tunnels, giving reason (a sentence for
// the buyer); an empty reason serves them again. Open tunnels go on; end
// them with EndTunnels. Buyers see the refusal as a failed CONNECT.
func (n *Node) Refuse(reason string) { n.gate.refuse(reason) }

// Refusal is the reason given to Refuse, or "" while the node serves.
func (n *Node) Refusal() string { return n.gate.reason() }

// SetEgress makes p the egress policy of new tunnels. Call Register to
// show the broker its summary.
func (n *Node) SetEgress(p *egress.Policy) {
	if p != nil {
		n.gate.policy.Store(p)
	}
}

// Egress is the current egress policy.
func (n *Node) Egress() *egress.Policy { return n.gate.policy.Load() }

// SetMaxRate caps the exit's total payload rate, both directions and all
// leases together, in bytes per second; zero or less removes the cap.
// Open tunnels follow from their next read. The QUIC and the WireGuard
// exit each get the cap: a node busy on both at once can move up to
// twice it (docs/wireguard.md, "Limits").
func (n *Node) SetMaxRate(bps int64) {
	bps = max(bps, 0)
	n.maxRate.Store(bps)
	n.exit.SetMaxRate(bps)
	if n.wg != nil {
		n.wg.SetMaxRate(bps)
	}
}

// MaxRate is the exit's current rate cap; zero means none.
func (n *Node) MaxRate() int64 { return n.maxRate.Load() }

// EndTunnels ends every open tunnel of every lease and returns how many
// there were. Buyers' gateways move to their leases' other exits.
func (n *Node) EndTunnels() int {
	ended := 0
	for _, id := range n.meter.LeaseIDs() {
		ended += n.exit.CloseLease(id)
	}
	return ended
}

// CheckAddr judges one destination address by the current policy unless
// the node refuses new tunnels (the WireGuard exit's UDP flows).
func (g *gate) CheckAddr(ap netip.AddrPort) error {
	if r := g.refusal.Load(); r != nil {
		return refusedError(*r)
	}
	return g.policy.Load().CheckAddr(ap)
}

// Resolve resolves host by the current policy (the WireGuard exit's DNS).
func (g *gate) Resolve(ctx context.Context, host string, port uint16) ([]netip.AddrPort, error) {
	return g.policy.Load().Resolve(ctx, host, port)
}
