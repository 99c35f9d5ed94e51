package bench

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/internal/identity"
)

// WireGuardSkipped is the Unit of the WireGuard rows when they cannot be
// taken: they need Linux, root (network namespaces) and the wireguard-go,
// wg and ip tools (Debian packages wireguard-go, wireguard-tools and
// iproute2).
const WireGuardSkipped = skippedPrefix + "needs root and wireguard-go"

// The WireGuard rows: the baseline, a stock wireguard-go tunnel between
// two network namespaces, and the rootless exit reached by the same
// stock client.
const (
	rowStockWireGuard = "wireguard_go_netns"
	rowRootlessExit   = "wgexit_rootless"
)

// warmUpBytes is the transfer that opens each tunnel before timing.
const warmUpBytes = 64 << 10

// WireGuardRun measures TCP throughput through the rootless WireGuard
// exit (relay/wgexit) against a stock wireguard-go tunnel taken in the
// same run. Both have the same client, wireguard-go in a network
// namespace with the kernel's TCP, and the same MTU; they differ in the
// far end: another wireguard-go and the kernel's TCP in a second
// namespace, or the exit's userspace stack forwarding to a sink on the
// host. It keeps the best of cfg.Rounds transfers of cfg.Bytes each.
// Without root or the tools the rows say WireGuardSkipped.
func WireGuardRun(ctx context.Context, cfg Config, log *zap.Logger) ([]Result, error) {
	cfg = cfg.withDefaults()
	if !wireGuardLabPossible() {
		return []Result{{Name: rowStockWireGuard, Unit: WireGuardSkipped}, {Name: rowRootlessExit, Unit: WireGuardSkipped}}, nil
	}
	lab, err := newWGLab()
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := lab.close(); err != nil {
			log.Warn("wireguard lab cleanup", zap.Error(err))
		}
	}()
	stock, err := lab.stockPair(ctx)
	if err != nil {
		return nil, fmt.Errorf("stock wireguard-go tunnel: %w", err)
	}
	exit, err := lab.rootlessExit(ctx, log.Named("wgexit"))
	if err != nil {
		return nil, fmt.Errorf("rootless wireguard exit: %w", err)
	}
	ms := []measurement{
		{name: rowStockWireGuard, run: transferVia(stock)},
		{name: rowRootlessExit, baseline: rowStockWireGuard, run: transferVia(exit)},
	}
	// A first small transfer completes each tunnel's handshake.
	for _, m := range ms {
		if _, err := m.run(ctx, warmUpBytes); err != nil {
			return nil, fmt.Errorf("%s: warm up: %w", m.name, err)
		}
	}
	best, err := bestOf(ctx, ms, cfg)
	if err != nil {
		return nil, err
	}
	results := throughputResults(ms, best, cfg.Bytes)
	for _, r := range results {
		log.Info("measured", zap.String("name", r.Name), zap.Float64(r.Unit, r.Value), zap.Float64("ratio", r.Ratio))
	}
	return results, nil
}

// wireGuardLabPossible reports whether this process can build the lab.
func wireGuardLabPossible() bool {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		return false
	}
	for _, tool := range []string{"wireguard-go", "wg", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			return false
		}
	}
	return true
}

// transferVia measures sending n bytes to a sink over a connection from
// dial, from the dial to the sink's acknowledgement.
func transferVia(dial func(context.Context) (net.Conn, error)) func(context.Context, int64) (time.Duration, error) {
	return func(ctx context.Context, n int64) (time.Duration, error) {
		start := time.Now()
		c, err := dial(ctx)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		if err := send(c, n); err != nil {
			return 0, err
		}
		return time.Since(start), nil
	}
}

// wgKeys is a WireGuard key pair in the base64 form wg reads.
type wgKeys struct{ private, public string }

func newWGKeys() (wgKeys, identity.WireGuardKey, error) {
	k, err := identity.GenerateWireGuard()
	if err != nil {
		return wgKeys{}, k, err
	}
	pub, err := k.Public()
	return wgKeys{private: k.String(), public: pub}, k, err
}

// setConf renders a `wg setconf` file with one peer; listenPort 0 lets
// wireguard-go pick a port.
func setConf(own wgKeys, listenPort int, peerKey, endpoint, allowed string) string {
	listen := ""
	if listenPort > 0 {
		listen = fmt.Sprintf("ListenPort = %d\n", listenPort)
	}
	return fmt.Sprintf("[Interface]\nPrivateKey = %s\n%s\n[Peer]\nPublicKey = %s\nEndpoint = %s\nAllowedIPs = %s\n",
		own.private, listen, peerKey, endpoint, allowed)
}

// sinks serves the sink protocol on listeners until they close.
type sinks struct{ wg sync.WaitGroup }

func (s *sinks) serve(ln net.Listener) {
	s.wg.Add(1)
	go func() { defer s.wg.Done(); acceptTCP(ln, sink) }()
}

// pidOctet spreads concurrent runs over host subnets.
func pidOctet() byte { return byte(os.Getpid() % 250) }

func prefix(a netip.Addr, bits int) netip.Prefix { return netip.PrefixFrom(a, bits) }
