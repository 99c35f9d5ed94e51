package broker

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/internal/identity"
)

// Exit checks: the broker dials each online node's QUIC exit, proves the
// node's key through the pinned TLS handshake, and times one HTTP/3 round
// trip on the new connection. Any answer counts as a success (the exit
// answers a plain GET with 405): the check measures that the exit is up
// and how far away it is, not the egress. The results feed the listing's
// quality and the matcher (docs/matching.md).

// Defaults for exit checks.
const (
	DefaultExitCheckInterval = time.Minute
	DefaultExitCheckTimeout  = 5 * time.Second
	exitCheckParallel        = 16
	exitCheckPage            = 1000
)

// CheckExits checks every online node's exit once per
// Config.ExitCheckInterval until ctx ends.
func (b *Broker) CheckExits(ctx context.Context) error {
	t := time.NewTicker(b.cfg.ExitCheckInterval)
	defer t.Stop()
	for {
		if _, err := b.CheckExitsOnce(ctx); err != nil && ctx.Err() == nil {
			b.log.Warn("exit checks", zap.Error(err))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// CheckExitsOnce checks every online node with a QUIC exit once and
// records each result; it returns how many it checked. Only store
// failures are errors: an unreachable exit is a failed check.
func (b *Broker) CheckExitsOnce(ctx context.Context) (int, error) {
	checked := 0
	f := store.NodeFilter{Protocol: api.ProtocolQUIC, SeenSince: b.seenSince(), Limit: exitCheckPage}
	for {
		nodes, err := b.st.Nodes(ctx, f)
		if err != nil {
			return checked, fmt.Errorf("list nodes to check: %w", err)
		}
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(exitCheckParallel)
		for _, n := range nodes {
			g.Go(func() error {
				c := b.checkExit(gctx, n)
				if err := b.st.RecordCheck(gctx, c); err != nil {
					return fmt.Errorf("record check of %s: %w", n.ID, err)
				}
				b.metrics.checks.WithLabelValues(checkResult(c.OK)).Inc()
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return checked, err
		}
		checked += len(nodes)
		if len(nodes) < exitCheckPage {
			return checked, nil
		}
		f.AfterID = nodes[len(nodes)-1].ID
	}
}

func checkResult(ok bool) string {
	if ok {
		return "ok"
	}
	return "failed"
}

// checkExit dials n's exit and times one request on the connection.
func (b *Broker) checkExit(ctx context.Context, n store.Node) store.Check {
	c := store.Check{NodeID: n.ID}
	ctx, cancel := context.WithTimeout(ctx, b.cfg.ExitCheckTimeout)
	defer cancel()
	rtt, err := b.roundTrip(ctx, n)
	c.At = b.now()
	if err != nil {
		b.log.Debug("exit check failed", zap.String("node", n.ID), zap.Error(err))
		return c
	}
	c.OK, c.Latency = true, rtt
	return c
}

// roundTrip connects to n's exit and returns the time one HTTP/3 request
// took once the handshake was done.
func (b *Broker) roundTrip(ctx context.Context, n store.Node) (time.Duration, error) {
	addr, err := b.exitAddr(ctx, n.QUICAddr)
	if err != nil {
		return 0, err
	}
	if len(n.PublicKey) != ed25519.PublicKeySize {
		return 0, fmt.Errorf("node key has %d bytes", len(n.PublicKey))
	}
	conf := &quic.Config{HandshakeIdleTimeout: b.cfg.ExitCheckTimeout, MaxIdleTimeout: b.cfg.ExitCheckTimeout}
	conn, err := quic.DialAddr(ctx, addr.String(), identity.PinnedTLSConfig(ed25519.PublicKey(n.PublicKey)), conf)
	if err != nil {
		return 0, fmt.Errorf("handshake: %w", err)
	}
	defer func() { _ = conn.CloseWithError(0, "check done") }()
	cc := (&http3.Transport{}).NewClientConn(conn)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+n.QUICAddr+"/", nil)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	resp, err := cc.RoundTrip(req)
	if err != nil {
		return 0, fmt.Errorf("request: %w", err)
	}
	rtt := time.Since(start)
	_ = resp.Body.Close()
	return rtt, nil
}

// exitAddr resolves a node's QUIC address. Unless Config.ExitCheckPrivate
// is set, only public addresses are dialled: node addresses come from
// operators, and checks must not become a way into the broker's networks.
func (b *Broker) exitAddr(ctx context.Context, hostport string) (netip.AddrPort, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("exit address %q: %w", hostport, err)
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("resolve %s: %w", host, err)
	}
	if !b.cfg.ExitCheckPrivate {
		ips = slices.DeleteFunc(ips, func(a netip.Addr) bool { return !publicAddr(a) })
	}
	if len(ips) == 0 {
		return netip.AddrPort{}, fmt.Errorf("%s has no public address", host)
	}
	ap, err := netip.ParseAddrPort(net.JoinHostPort(ips[0].Unmap().String(), port))
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("exit address %q: %w", hostport, err)
	}
	return ap, nil
}
