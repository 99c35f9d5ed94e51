package egresstable

import (
	"cmp"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/sparelink/sparelink/relay/egress"
	"github.com/sparelink/sparelink/relay/egress/egresstest"
)

// row is a destination as placed on this machine: its port and, when its
// address could be bound here, its canary.
type row struct {
	destination
	port   uint16
	canary *canary
}

// table is one run's rows, the origins the policy permits, and the
// positive controls that must reach them, for one network.
type table struct {
	network string // "tcp" or "udp"
	rows    []row
	origin  netip.AddrPort // allowed by an exact address and port rule
	origin9 netip.AddrPort // allowed by a port-less rule for 127.0.0.9
	reach   []reachable
}

// reachable is a positive control: the path must deliver the origin's
// answer, which proves the path works and that a refusal is the policy's.
type reachable struct {
	name, host string
	port       uint16
	origin     netip.AddrPort
	// portOnly means host is a name whose address is allowed on this
	// port alone, so a path that judges names for port 443 (dns443)
	// must refuse it instead.
	portOnly bool
}

// placeRows binds a canary for every row that lands somewhere bindable,
// checks each canary catches a direct connection, and picks ports: the
// canary's, or 443 for rows without one.
func placeRows(t *testing.T, network string, dests []destination) []row {
	t.Helper()
	rows := make([]row, len(dests))
	fixed := map[netip.AddrPort]*canary{} // rows with a fixed port share one
	for i, d := range dests {
		rows[i] = row{destination: d, port: cmp.Or(d.port, 443)}
		if d.lands == "" {
			continue
		}
		ap := netip.AddrPortFrom(netip.MustParseAddr(d.lands), d.port)
		if rows[i].canary = fixed[ap]; rows[i].canary == nil {
			rows[i].canary = bindCanary(t, network, ap)
		}
		if c := rows[i].canary; c != nil {
			c.selfCheck(t, directAddr(d.host, c.addr))
			rows[i].port = c.addr.Port()
			if d.port != 0 {
				fixed[ap] = c
			}
		}
	}
	return rows
}

// directAddr is where to dial to check a canary by the row's own
// spelling when the system reads it as an address ("0.0.0.0",
// "[::ffff:127.0.0.1]"), else the canary's address.
func directAddr(host string, canary netip.AddrPort) netip.AddrPort {
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	if err != nil {
		return canary
	}
	return netip.AddrPortFrom(a, canary.Port())
}

// newTable places dests for network and starts the two origins.
func newTable(t *testing.T, network string, dests []destination) *table {
	t.Helper()
	tb := &table{network: network, rows: placeRows(t, network, dests)}
	start := startOrigin
	if network == "udp" {
		start = startUDPOrigin
	}
	tb.origin = start(t, "127.0.0.1")
	tb.origin9 = start(t, "127.0.0.9")
	tb.reach = []reachable{
		{"allowed origin", "127.0.0.1", tb.origin.Port(), tb.origin, false},
		{"allowed origin mapped", "[::ffff:127.0.0.1]", tb.origin.Port(), tb.origin, false},
		{"allowed origin by name", "origin.example", tb.origin.Port(), tb.origin, true},
		{"port-less allow", "127.0.0.9", tb.origin9.Port(), tb.origin9, false},
		{"port-less allow by allowed name", "www.allowed.example", tb.origin9.Port(), tb.origin9, false},
	}
	return tb
}

// config is the owner's policy the table is written against.
func (tb *table) config(t *testing.T) egress.Config {
	t.Helper()
	cfg := egress.Config{
		Allow: mustRules(t, tb.origin.String(), "127.0.0.9", "*.allowed.example"),
		Deny:  mustRules(t, "blocked.example"),
	}
	for _, r := range tb.rows {
		if r.closed {
			cfg.Deny = append(cfg.Deny, mustRules(t, fmt.Sprintf("*:%d-%d", r.port, r.port+1))...)
		}
	}
	return cfg
}

// resolver answers the rows' names and the controls' names.
func (tb *table) resolver() *egresstest.Resolver {
	res := egresstest.NewResolver().
		Answer("origin.example", "127.0.0.1").
		Answer("www.allowed.example", "127.0.0.9")
	for _, r := range tb.rows {
		if len(r.answers) > 0 {
			res.Answer(strings.TrimSuffix(strings.ToLower(r.host), "."), r.answers...)
		}
	}
	return res
}

func mustRules(t *testing.T, ss ...string) []egress.Rule {
	t.Helper()
	out := make([]egress.Rule, len(ss))
	for i, s := range ss {
		r, err := egress.ParseRule(s)
		if err != nil {
			t.Fatalf("table rule %q: %v", s, err)
		}
		out[i] = r
	}
	return out
}
