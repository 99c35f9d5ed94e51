package agent_test

import (
	"context"
	"testing"

	"github.com/sparelink/sparelink/agent"
	"github.com/sparelink/sparelink/agent/owner"
	"github.com/sparelink/sparelink/client/exitdial"
)

func TestEgressRulesChangeLive(t *testing.T) {
	m := newMarket(t)
	key, op := m.Operator()
	first, second := newOrigin(t, 10), newOrigin(t, 10)
	a := startOwned(t, m, key, nil, first.Addr())
	d := exitDialer(t, buyLease(t, m.Buyer(), "NL"))
	exchange(t, d, first, 1)
	if pe := refused(t, d, second.Addr()); pe.Type != "destination_ip_prohibited" {
		t.Errorf("origin outside the rules: got %q, want destination_ip_prohibited", pe.Type)
	}
	before, _ := m.Listed(op, a.NodeID())

	a.set(t, "egress-allow", second.Addr())
	waitFor(t, "the new allow rule to apply", func() bool { return dials(d, second.Addr()) })
	exchange(t, d, second, 1)
	if pe := refused(t, d, first.Addr()); pe.Type != "destination_ip_prohibited" {
		t.Errorf("origin no longer allowed: got %q, want destination_ip_prohibited", pe.Type)
	}

	a.set(t, "egress-deny", "198.51.100.0/24")
	waitFor(t, "the broker to list the deny rule", func() bool {
		n, _ := m.Listed(op, a.NodeID())
		return n.EgressSummary != before.EgressSummary
	})
	exchange(t, d, second, 1)
}

// dials reports whether d reaches target now.
func dials(d *exitdial.Dialer, target string) bool {
	c, err := d.DialContext(context.Background(), "tcp", target)
	if err == nil {
		c.Close()
	}
	return err == nil
}

func TestWebOnlyClosesOtherPorts(t *testing.T) {
	m := newMarket(t)
	key, _ := m.Operator()
	o := newOrigin(t, 10)
	a := startOwned(t, m, key, func(c *agent.Config) {
		c.EgressAllow = []string{"127.0.0.0/8"} // loopback, any open port
	})
	d := exitDialer(t, buyLease(t, m.Buyer(), "NL"))
	exchange(t, d, o, 1)
	a.set(t, "egress-web-only", "on")
	waitFor(t, "web-only to apply", func() bool { return !dials(d, o.Addr()) })
	if pe := refused(t, d, o.Addr()); pe.Type != "destination_ip_prohibited" {
		t.Errorf("non-web port under web-only: got %q, want destination_ip_prohibited", pe.Type)
	}
	a.set(t, "egress-web-only", "off")
	waitFor(t, "web-only to be lifted", func() bool { return !a.Controls().Settings().WebOnly })
	waitFor(t, "the origin to be reachable again", func() bool { return dials(d, o.Addr()) })
}

func TestConfigOverridesStoredSettings(t *testing.T) {
	m := newMarket(t)
	key, _ := m.Operator()
	a := startOwned(t, m, key, nil)
	a.set(t, "max-leases", "5")
	a.set(t, "quota", "40")
	dir := a.dir
	if err := a.stop(); err != nil {
		t.Fatal(err)
	}
	// Without configuration the dashboard's settings stay.
	b := startOwned(t, m, key, func(c *agent.Config) { c.DataDir = dir })
	if s := b.Controls().Settings(); s.MaxLeases != 5 || s.QuotaBytes != 40e9 {
		t.Errorf("after restart: got max leases %d quota %d, want 5 and 40 GB", s.MaxLeases, s.QuotaBytes)
	}
	if err := b.stop(); err != nil {
		t.Fatal(err)
	}
	// What the configuration gives wins, the rest stays.
	c := startOwned(t, m, key, func(c *agent.Config) {
		c.DataDir = dir
		c.Owner = func(s *owner.Settings) { s.MaxLeases = 2 }
	})
	if s := c.Controls().Settings(); s.MaxLeases != 2 || s.QuotaBytes != 40e9 {
		t.Errorf("with configuration: got max leases %d quota %d, want 2 and 40 GB", s.MaxLeases, s.QuotaBytes)
	}
}
