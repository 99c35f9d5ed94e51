package integration

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/sparelink/sparelink/broker/api"
)

// blobSize is what each transfer through the gateway fetches: big enough
// that the exits' receipts are worth a charge of hundreds of micro-units.
const blobSize = 512 << 10

// creditMicros is the buyer's top-up.
const creditMicros = 10_000_000

// TestReadmeTour follows README.md's five-minute tours with the daemons:
// an administrator sets up an operator and a buyer, the operator runs a
// relay and an agent, the buyer leases both exits and sends traffic with
// curl through the gateway, and the exits' receipts settle in the ledger.
func TestReadmeTour(t *testing.T) {
	t.Parallel()
	b := startBroker(t)
	opID, opKey := b.newAccount(t, "operator", "Alice")
	buyerID, buyerKey := b.newAccount(t, "buyer", "App")
	b.admin.call(t, "POST", "/v1/admin/credits", fmt.Sprintf(`{"account_id":%q,"amount_micros":%d}`, buyerID, creditMicros),
		http.StatusCreated, nil, "Idempotency-Key", "tour-credit")
	operator, buyer := b.admin.as(opKey), b.admin.as(buyerKey)

	o := startOrigin(t, blobSize)
	env := []string{"SPARELINK_OPERATOR_KEY=" + opKey}
	relaySite := site{api.Region{Country: "FR", Subdivision: "FR-ARA", City: "Lyon"}, 64497}
	agentSite := site{api.Region{Country: "DE", Subdivision: "DE-BE", City: "Berlin"}, 64496}
	relayDir, agentDir := filepath.Join(t.TempDir(), "relay"), filepath.Join(t.TempDir(), "agent")
	relay := start(t, binRelay, env, append(exitFlags(b, relaySite, relayDir, o.addr()), "--capacity", "100")...)
	agent := start(t, binAgent, env, append(exitFlags(b, agentSite, agentDir, o.addr()), "--link-up", "40", "--link-down", "250")...)
	nodes := b.waitOnline(t, operator, 2)
	checkNodes(t, nodes, opID, relaySite, agentSite)
	readSecret(t, filepath.Join(relayDir, "node.key"))
	readSecret(t, filepath.Join(agentDir, "node.key"))

	lease := buyLease(t, buyer, 2)
	gateway, socks, httpProxy := startGateway(t, b, buyerKey, lease.ID)
	fetched := sendTraffic(t, o, socks, httpProxy)
	gateway.stop(t, syscall.SIGTERM, stopTimeout)

	// Stopped exits upload their last receipts before they exit.
	relay.stop(t, syscall.SIGTERM, stopTimeout)
	agent.stop(t, syscall.SIGTERM, stopTimeout)
	usage := checkUsage(t, buyer, lease, fetched)
	checkBooks(t, b, operator, buyer, lease, usage)
	b.proc.stop(t, syscall.SIGTERM, stopTimeout)
}

// checkNodes checks that the nodes are listed where their owner said they
// are, under the owner's account, with a QUIC exit.
func checkNodes(t *testing.T, nodes []api.Node, operatorID string, sites ...site) {
	t.Helper()
	want := map[string]site{}
	for _, s := range sites {
		want[s.region.Country] = s
	}
	for _, n := range nodes {
		s, ok := want[n.Region.Country]
		delete(want, n.Region.Country)
		if !ok || n.Region != s.region || n.ASN != s.asn {
			t.Errorf("node %s: got region %+v, ASN %d; want one of %+v", n.ID, n.Region, n.ASN, sites)
		}
		if n.OperatorID != operatorID || n.QUICAddr == "" || !slices.Contains(n.Protocols, "quic") {
			t.Errorf("node %s: got operator %q, QUIC address %q, protocols %v; want %q, an address, quic",
				n.ID, n.OperatorID, n.QUICAddr, n.Protocols, operatorID)
		}
	}
	if len(want) != 0 {
		t.Errorf("nodes: got none at %+v", want)
	}
}

// buyLease quotes and then buys a lease over exits exits of any region,
// retrying the purchase once with the same Idempotency-Key as a client
// would after a lost answer.
func buyLease(t *testing.T, buyer brokerAPI, exits int) api.Lease {
	t.Helper()
	body := fmt.Sprintf(`{"coverage":{},"exits":%d,"max_bytes":%d}`, exits, 64<<20)
	var q api.Quote
	buyer.call(t, "POST", "/v1/coverage/quote", body, http.StatusOK, &q)
	if q.AvailableExits < exits || q.HoldMicros <= 0 {
		t.Fatalf("quote: got %+v, want at least %d exits and a hold", q, exits)
	}
	var first, again api.Lease
	buyer.call(t, "POST", "/v1/leases", body, http.StatusCreated, &first, "Idempotency-Key", "tour-lease")
	// A replay is answered with the first answer, byte for byte.
	buyer.call(t, "POST", "/v1/leases", body, http.StatusCreated, &again, "Idempotency-Key", "tour-lease")
	if again.ID != first.ID {
		t.Errorf("repeated lease request: got lease %s, want the first one, %s", again.ID, first.ID)
	}
	seen := map[string]bool{}
	for _, e := range first.Exits {
		seen[e.NodeID] = true
		if e.QUIC == nil || e.QUIC.Addr == "" || e.QUIC.Token == "" {
			t.Errorf("exit %s: got %+v, want a QUIC address and token", e.NodeID, e.QUIC)
		}
	}
	if first.Status != "active" || len(seen) != exits {
		t.Fatalf("lease %s: got status %q and %d distinct exits, want active and %d", first.ID, first.Status, len(seen), exits)
	}
	t.Logf("lease %s over %d exits, hold %d micros", first.ID, exits, first.HoldMicros)
	return first
}

// startGateway runs `sparelink gateway` for lease with the buyer key in
// SPARELINK_KEY, and returns it and its proxy URLs once both accept
// connections.
func startGateway(t *testing.T, b *broker, key, leaseID string) (p *proc, socks, httpProxy string) {
	t.Helper()
	socksAddr, httpAddr := freeAddr(t), freeAddr(t)
	p = start(t, binCLI, []string{"SPARELINK_KEY=" + key},
		"gateway", "--broker", b.url, "--lease", leaseID, "--socks", socksAddr, "--http", httpAddr)
	for _, addr := range []string{socksAddr, httpAddr} {
		eventually(t, startTimeout, "gateway listening on "+addr, func(ctx context.Context) error {
			return listening(ctx, addr)
		})
	}
	return p, "socks5h://" + socksAddr, "http://" + httpAddr
}

// sendTraffic fetches the origin's greeting and blob through every door
// of the gateway and returns how many body bytes came through.
func sendTraffic(t *testing.T, o *origin, socks, httpProxy string) int64 {
	t.Helper()
	direct := curl(t, o.srv.URL+"/")
	if direct.code != 0 || direct.stdout == "" {
		t.Fatalf("origin without proxy: got exit %d and %q", direct.code, direct.stdout)
	}
	var fetched int64
	for _, pc := range proxyCases(socks, httpProxy) {
		res := curl(t, append(pc.args, o.srv.URL+"/")...)
		if res.code != 0 || res.stdout != direct.stdout {
			t.Errorf("greeting via %s: got exit %d and %q, want %q", pc.name, res.code, res.stdout, direct.stdout)
		}
		res = curl(t, append(pc.args, o.srv.URL+"/blob")...)
		if res.code != 0 || !bytes.Equal([]byte(res.stdout), o.blob) {
			t.Errorf("blob via %s: got exit %d and %d bytes, want the origin's %d bytes", pc.name, res.code, len(res.stdout), len(o.blob))
		}
		fetched += int64(len(res.stdout) + len(direct.stdout))
	}
	if t.Failed() {
		t.FailNow()
	}
	return fetched
}
