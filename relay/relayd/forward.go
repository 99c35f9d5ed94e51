package relayd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/internal/node"
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/relay/forward"
)

// ForwardConfig configures a relay's rendezvous forwarder, which carries
// the end-to-end encrypted QUIC packets of buyers to home agents that no
// hole can be punched to (relay/forward). Listen is required.
type ForwardConfig struct {
	// Listen is the forwarder's UDP address, such as 0.0.0.0:3480.
	Listen string
	// Advertise is the ip:port agents and buyers send to; zero means the
	// listening address, which must then name one IP.
	Advertise string
}

// Forwarder is a running rendezvous forwarder, advertised to the broker
// through the relay node's reachability reports, so that the broker
// assigns it to NAT'd agents.
type Forwarder struct {
	srv *forward.Server
	tr  *node.Traversal
}

// StartForwarder starts the forwarder beside the relay's node n. Run
// advertises it; Close stops it.
func StartForwarder(n *node.Node, cfg ForwardConfig, log *zap.Logger) (*Forwarder, error) {
	if cfg.Listen == "" {
		return nil, errors.New("relay forwarder: a listen address is required")
	}
	srv, err := forward.Listen(forward.ServerConfig{Listen: cfg.Listen}, log)
	if err != nil {
		return nil, fmt.Errorf("relay forwarder: %w", err)
	}
	adv, err := advertised(cfg.Advertise, srv.Addr())
	if err != nil {
		srv.Close()
		return nil, err
	}
	tr := node.NewTraversal(n, node.TraversalConfig{Forwarder: adv.String(),
		Reach: func() api.Reachability { return api.Reachability{Code: api.ReachPublic} }}, log)
	return &Forwarder{srv: srv, tr: tr}, nil
}

// advertised resolves the address to advertise: ip:port, or host:port
// looked up once, or the bound address when it names one IP.
func advertised(adv string, bound netip.AddrPort) (netip.AddrPort, error) {
	if adv == "" {
		if bound.Addr().IsUnspecified() {
			return netip.AddrPort{}, errors.New("relay forwarder: a wildcard listen address needs an advertised address")
		}
		return bound, nil
	}
	if ap, err := netip.ParseAddrPort(adv); err == nil {
		return ap, nil
	}
	ua, err := net.ResolveUDPAddr("udp", adv)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("relay forwarder: advertised address %q: %w", adv, err)
	}
	return ua.AddrPort(), nil
}

// Run advertises the forwarder to the broker until ctx is done.
func (f *Forwarder) Run(ctx context.Context) { f.tr.Run(ctx) }

// Addr is the forwarder's bound address.
func (f *Forwarder) Addr() netip.AddrPort { return f.srv.Addr() }

// Meter counts the forwarder's leg per agent node ID.
func (f *Forwarder) Meter() *meter.Meter { return f.srv.Meter() }

// Close stops advertising and forwarding. It is idempotent.
func (f *Forwarder) Close() error {
	_ = f.tr.Close()
	return f.srv.Close()
}
