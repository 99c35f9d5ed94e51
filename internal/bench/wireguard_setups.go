package bench

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/relay/egress"
	"github.com/sparelink/sparelink/relay/wgexit"
)

// The stock pair's addresses exist only inside its two namespaces.
var (
	stockUnderlayA = netip.MustParseAddr("10.77.0.1")
	stockUnderlayB = netip.MustParseAddr("10.77.0.2")
	stockTunnelA   = netip.MustParseAddr("10.78.0.1")
	stockTunnelB   = netip.MustParseAddr("10.78.0.2")
)

// stockPair joins namespaces a and b with a veth pair, runs wireguard-go
// in both with the other as peer, and a sink in b on its tunnel address.
// It returns the dial from a to that sink.
func (l *wgLab) stockPair(ctx context.Context) (func(context.Context) (net.Conn, error), error) {
	a, err := l.netns(ctx, "a")
	if err != nil {
		return nil, err
	}
	b, err := l.netns(ctx, "b")
	if err != nil {
		return nil, err
	}
	steps := [][]string{
		{"-n", a, "link", "add", "wgbv0", "type", "veth", "peer", "name", "wgbv1", "netns", b},
		{"-n", a, "addr", "add", prefix(stockUnderlayA, 24).String(), "dev", "wgbv0"},
		{"-n", b, "addr", "add", prefix(stockUnderlayB, 24).String(), "dev", "wgbv1"},
		{"-n", a, "link", "set", "wgbv0", "up"},
		{"-n", b, "link", "set", "wgbv1", "up"},
	}
	for _, s := range steps {
		if err := l.ip(ctx, s...); err != nil {
			return nil, err
		}
	}
	ka, _, err := newWGKeys()
	if err != nil {
		return nil, err
	}
	kb, _, err := newWGKeys()
	if err != nil {
		return nil, err
	}
	const port = 51820
	confA := setConf(ka, port, kb.public, netip.AddrPortFrom(stockUnderlayB, port).String(), stockTunnelB.String()+"/32")
	confB := setConf(kb, port, ka.public, netip.AddrPortFrom(stockUnderlayA, port).String(), stockTunnelA.String()+"/32")
	if err := l.wireGuardGo(ctx, "a", confA, prefix(stockTunnelA, 24), wgexit.DefaultMTU); err != nil {
		return nil, err
	}
	if err := l.wireGuardGo(ctx, "b", confB, prefix(stockTunnelB, 24), wgexit.DefaultMTU); err != nil {
		return nil, err
	}
	ln, err := listenIn(b, net.JoinHostPort(stockTunnelB.String(), "0"))
	if err != nil {
		return nil, err
	}
	l.listeners = append(l.listeners, ln)
	l.sinks.serve(ln)
	return dialFrom(a, ln.Addr()), nil
}

// rootlessExit runs the exit on the host end of a veth pair whose other
// end is in namespace c, where wireguard-go is configured as a buyer of
// the exit with a default route through it, and a sink on a second host
// address that only the tunnel reaches. It returns the dial from c to
// that sink, through the exit.
func (l *wgLab) rootlessExit(ctx context.Context, log *zap.Logger) (func(context.Context) (net.Conn, error), error) {
	c, err := l.netns(ctx, "c")
	if err != nil {
		return nil, err
	}
	host := netip.AddrFrom4([4]byte{10, 254, pidOctet(), 1})
	peer := netip.AddrFrom4([4]byte{10, 254, pidOctet(), 2})
	sinkAddr := netip.AddrFrom4([4]byte{10, 254, pidOctet(), 3})
	dev := "slbw" + l.id
	if err := l.ip(ctx, "link", "add", dev, "type", "veth", "peer", "name", "wgbv0", "netns", c); err != nil {
		return nil, err
	}
	l.hostDevs = append(l.hostDevs, dev)
	steps := [][]string{
		{"addr", "add", prefix(host, 24).String(), "dev", dev},
		{"addr", "add", prefix(sinkAddr, 32).String(), "dev", dev},
		{"link", "set", dev, "up"},
		{"-n", c, "addr", "add", prefix(peer, 32).String(), "dev", "wgbv0"},
		{"-n", c, "link", "set", "wgbv0", "up"},
		// Only the exit's address goes over the veth; the sink takes the tunnel.
		{"-n", c, "route", "add", prefix(host, 32).String(), "dev", "wgbv0"},
	}
	for _, s := range steps {
		if err := l.ip(ctx, s...); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(sinkAddr.String(), "0"))
	if err != nil {
		return nil, err
	}
	l.listeners = append(l.listeners, ln)
	l.sinks.serve(ln)
	if err := l.startExit(ctx, "c", host, ln.Addr().String(), log); err != nil {
		return nil, err
	}
	return dialFrom(c, ln.Addr()), nil
}

// startExit runs the exit on host, permitting exactly allow, admits a new
// buyer key and configures wireguard-go in role's namespace with it.
func (l *wgLab) startExit(ctx context.Context, role string, host netip.Addr, allow string, log *zap.Logger) error {
	rule, err := egress.ParseRule(allow)
	if err != nil {
		return err
	}
	policy, err := egress.New(egress.Config{Allow: []egress.Rule{rule}}, log.Named("egress"))
	if err != nil {
		return err
	}
	exitKeys, exitKey, err := newWGKeys()
	if err != nil {
		return err
	}
	exit, err := wgexit.New(wgexit.Config{PrivateKey: exitKey, Egress: policy, Meter: new(meter.Meter),
		ListenAddr: net.JoinHostPort(host.String(), "0")}, log)
	if err != nil {
		return err
	}
	l.exit = exit
	buyer, buyerKey, err := newWGKeys()
	if err != nil {
		return err
	}
	pub, err := buyerKey.Public()
	if err != nil {
		return err
	}
	p := wgexit.Peer{LeaseID: "ls_bench_wg"}
	if p.PublicKey, err = identity.ParseWireGuardKey([]byte(pub)); err != nil {
		return err
	}
	a, err := exit.AddPeer(p)
	if err != nil {
		return fmt.Errorf("admit the buyer: %w", err)
	}
	endpoint := net.JoinHostPort(host.String(), strconv.Itoa(int(exit.Port())))
	conf := setConf(buyer, 0, exitKeys.public, endpoint, "0.0.0.0/0")
	return l.wireGuardGo(ctx, role, conf, prefix(a.IPv4, 32), wgexit.DefaultMTU, "default")
}
