package egresstable

import (
	"crypto/ed25519"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/client/gateway"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/lease"
	"github.com/sparelink/sparelink/relay/egress"
	"github.com/sparelink/sparelink/relay/egress/egresstest"
	"github.com/sparelink/sparelink/relay/quicexit"
	"github.com/sparelink/sparelink/relay/wgexit/wgtest"
)

// env is one seller's exits and one buyer's tools in front of them, all
// on this machine: the egress policy, a QUIC exit using it, an exit
// dialer holding a lease token for that exit, a gateway using the
// dialer, and a WireGuard exit using the same policy with a client
// configured from the exit's rendered configuration.
type env struct {
	policy   *egress.Policy
	resolver *egresstest.Resolver
	wire     *tripwire
	exit     *quicexit.Exit
	dialer   *exitdial.Dialer
	socks    string        // the gateway's SOCKS5 address
	http     string        // the gateway's HTTP proxy address
	wg       *wgtest.Env   // a WireGuard exit with the same policy
	wgBuyer  *wgtest.Buyer // a WireGuard client of that exit
}

// newEnv builds the chain around an egress policy made from cfg. The
// policy's dialer carries the tripwire; cfg.Resolver must be set.
func newEnv(t *testing.T, cfg egress.Config, res *egresstest.Resolver) *env {
	t.Helper()
	log := zaptest.NewLogger(t)
	e := &env{resolver: res, wire: newTripwire(t)}
	cfg.Resolver = res
	cfg.Dialer = &net.Dialer{Timeout: 3 * time.Second, Control: e.wire.control}
	var err error
	if e.policy, err = egress.New(cfg, log); err != nil {
		t.Fatalf("egress policy: %v", err)
	}
	e.startExit(t)
	e.startWireGuard(t)
	gw, err := gateway.New(gateway.Config{}, e.dialer, log)
	if err != nil {
		t.Fatalf("gateway: %v", err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	socks, err := gw.ListenSOCKS5("127.0.0.1:0")
	if err != nil {
		t.Fatalf("gateway socks5: %v", err)
	}
	httpAddr, err := gw.ListenHTTP("127.0.0.1:0")
	if err != nil {
		t.Fatalf("gateway http: %v", err)
	}
	e.socks, e.http = socks.String(), httpAddr.String()
	return e
}

// startExit runs a QUIC exit with e.policy on loopback and points an exit
// dialer at it with a fresh lease token.
func (e *env) startExit(t *testing.T) {
	t.Helper()
	log := zaptest.NewLogger(t)
	key, err := identity.Generate()
	if err != nil {
		t.Fatalf("node key: %v", err)
	}
	signer, err := lease.NewSigningKey()
	if err != nil {
		t.Fatalf("signing key: %v", err)
	}
	verifier := lease.NewVerifier(map[string]ed25519.PublicKey{signer.KeyID: signer.Public()}, nil)
	e.exit, err = quicexit.New(quicexit.Config{Key: key, Verifier: verifier, Egress: e.policy}, log)
	if err != nil {
		t.Fatalf("quic exit: %v", err)
	}
	t.Cleanup(func() { _ = e.exit.Close() })
	addr, err := e.exit.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatalf("quic exit listen: %v", err)
	}
	now := time.Now()
	token, err := signer.Issue(lease.Claims{
		LeaseID: "ls_egresstable", NodeID: key.NodeID(), Protocols: []string{"quic"},
		IssuedAt: now, ExpiresAt: now.Add(time.Hour),
	})
	if err != nil {
		t.Fatalf("lease token: %v", err)
	}
	e.dialer = exitdial.New(exitdial.Exit{
		NodeID: key.NodeID(), Addr: addr.String(), PublicKey: key.Public(), Token: token,
	}, log)
	t.Cleanup(func() { _ = e.dialer.Close() })
}

// checkTripwire fails the test for every address outside want, the
// permitted origins, that the policy let a socket go to.
func (e *env) checkTripwire(t *testing.T, want []netip.AddrPort) {
	t.Helper()
	leaks := map[netip.AddrPort]int{}
	for _, ap := range e.wire.sockets() {
		ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		if !slices.Contains(want, ap) {
			leaks[ap]++
		}
	}
	for ap, n := range leaks {
		t.Errorf("the policy let %d sockets go to %s; want sockets to the permitted origins %v only", n, ap, want)
	}
}
