package agent_test

import (
	"context"
	"encoding/base64"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sparelink/sparelink/internal/node"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/agent"
	"github.com/sparelink/sparelink/agent/reach"
	"github.com/sparelink/sparelink/agent/status"
	"github.com/sparelink/sparelink/internal/identity"
)

func TestStatusReportsTheAgent(t *testing.T) {
	m := newMarket(t)
	key, _ := m.Operator()
	o := newOrigin(t, 50_000)
	a := startOwned(t, m, key, func(c *agent.Config) {
		c.HeartbeatInterval = 50 * time.Millisecond
		c.BalanceInterval = 50 * time.Millisecond
	}, o.Addr())
	a.set(t, "quota", "10")
	l := buyLease(t, m.Buyer(), "NL")
	exchange(t, exitDialer(t, l), o, 50_000)
	if err := a.Flush(context.Background()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	var st status.Status
	waitFor(t, "earnings and usage in the status", func() bool {
		var err error
		st, err = a.api.Status(context.Background())
		return err == nil && st.Earnings.EarnedMicros > 0 && st.Usage.UsedBytes == 200_000 && !st.LastHeartbeat.IsZero()
	})
	checks := []struct {
		name string
		ok   bool
	}{
		{"node ID", st.NodeID == a.NodeID()},
		{"exit address", st.ExitAddr == a.ExitAddr()},
		{"WireGuard key", st.WireGuardPublicKey == a.WireGuardPublicKey() && st.WireGuardPublicKey != ""},
		{"registered", st.Registered && st.HeartbeatError == ""},
		{"reachability placeholder", st.Reachability == status.ReachabilityUnknown},
		{"serving", st.Serving.Tunnels && st.Serving.NewLeases && st.Serving.Reason == ""},
		{"capacity measured", st.Capacity.LinkUpBps == 1_000_000_000 && st.Capacity.SpareBps > 0},
		{"quota", st.Usage.QuotaBytes == 10e9 && st.Usage.PeriodEnd.After(st.Usage.PeriodStart)},
		{"session", len(st.Sessions) == 1 && st.Sessions[0].LeaseID == l.ID && st.Sessions[0].UpBytes == 50_000},
		{"earnings fresh", st.Earnings.Error == "" && !st.Earnings.At.IsZero()},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("status %s: got %+v", c.name, st)
		}
	}
	var text strings.Builder
	if err := status.WriteText(&text, st); err != nil || !strings.Contains(text.String(), st.NodeID) {
		t.Errorf("WriteText: got %q, %v", text.String(), err)
	}
}

func TestDataDirFiles(t *testing.T) {
	m := newMarket(t)
	key, _ := m.Operator()
	a := startOwned(t, m, key, nil)
	token, created := a.StatusToken()
	if !created || len(token) != 64 {
		t.Errorf("StatusToken: got %d characters, created %v; want a new 64-digit token", len(token), created)
	}
	if !strings.HasPrefix(a.DashboardURL(), "http://127.0.0.1:") {
		t.Errorf("DashboardURL: got %q, want a loopback URL", a.DashboardURL())
	}
	for _, name := range []string{agent.KeyFile, agent.WireGuardKeyFile, status.TokenFile, status.AddrFile, "settings.json"} {
		fi, err := os.Stat(filepath.Join(a.dir, name))
		if err != nil {
			t.Errorf("data dir file %s: %v", name, err)
			continue
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s: got mode %o, want 600", name, got)
		}
	}
	if _, err := os.Stat(filepath.Join(a.dir, node.SpoolFile)); err != nil {
		t.Errorf("receipt spool: %v; want it in the data directory", err)
	}
	wg, err := identity.LoadWireGuard(filepath.Join(a.dir, agent.WireGuardKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := wg.Public()
	if raw, err := base64.StdEncoding.DecodeString(pub); err != nil || len(raw) != 32 || pub != a.WireGuardPublicKey() {
		t.Errorf("WireGuard public key: got %q, want the stored key's, 32 bytes base64", a.WireGuardPublicKey())
	}
	first := a.WireGuardPublicKey()
	if err := a.stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(a.dir, status.AddrFile)); !os.IsNotExist(err) {
		t.Errorf("status.addr after stop: got %v, want it removed", err)
	}
	again := startOwned(t, m, key, func(c *agent.Config) { c.DataDir = a.dir })
	if got, created := again.StatusToken(); created || got != token {
		t.Errorf("token after restart: created %v, same %v; want the stored one", created, got == token)
	}
	if again.WireGuardPublicKey() != first {
		t.Errorf("WireGuard key after restart: got %s, want %s", again.WireGuardPublicKey(), first)
	}
}

func TestStatusPortTaken(t *testing.T) {
	m := newMarket(t)
	key, _ := m.Operator()
	first := startOwned(t, m, key, nil)
	addr := strings.TrimSuffix(strings.TrimPrefix(first.DashboardURL(), "http://"), "/")
	second := startOwned(t, m, key, func(c *agent.Config) { c.StatusListen = addr })
	if second.DashboardURL() == first.DashboardURL() {
		t.Fatalf("second agent: got the first's address %s", addr)
	}
	st, err := second.api.Status(context.Background())
	if err != nil || st.NodeID != second.NodeID() {
		t.Errorf("second agent's status through status.addr: got %q, %v", st.NodeID, err)
	}
}

func TestStatusShowsReachability(t *testing.T) {
	m := newMarket(t)
	key, _ := m.Operator()
	checker := reach.New(reach.Config{
		DisablePortMapping: true,
		Addrs: func() ([]reach.IfaceAddr, error) {
			return []reach.IfaceAddr{{Iface: "wan0", Addr: netip.MustParseAddr("100.64.7.9")}}, nil
		},
	}, zaptest.NewLogger(t))
	a := startOwned(t, m, key, func(c *agent.Config) { c.Reach = checker })
	waitFor(t, "the reachability verdict", func() bool {
		st, err := a.api.Status(context.Background())
		return err == nil && st.Reachability == string(reach.BehindCGNAT) && len(st.ReachabilityReasons) > 0
	})
}
