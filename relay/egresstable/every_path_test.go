package egresstable

import (
	"net/netip"
	"testing"

	"github.com/sparelink/sparelink/relay/egress"
)

// TestDeniedDestinationsEveryPath drives the whole table through every
// path on this machine. Loopback rows and the machine's own addresses get
// canaries here; the other rows cannot be bound without a namespace of
// their own (see TestDeniedDestinationsInNamespace), and here the
// tripwire proves the policy refused them before any socket existed.
func TestDeniedDestinationsEveryPath(t *testing.T) {
	if *inNetns != "" {
		t.Skip("inside the test namespace: only TestDeniedDestinationsInNamespace runs here")
	}
	dests := append(append(append([]destination{}, loopbackRows...), networkRows...), hostRows(t)...)
	if len(dests) < 40 {
		t.Fatalf("table has %d destinations, want at least 40", len(dests))
	}
	runTables(t, dests, false)
}

// runTables runs the table over TCP and over UDP, each with its own
// canaries, origins and exit. strict fails the test for a row whose
// address is on this machine but whose canary could not be bound.
func runTables(t *testing.T, dests []destination, strict bool) {
	t.Helper()
	for _, network := range []string{"tcp", "udp"} {
		t.Run(network, func(t *testing.T) {
			tb := newTable(t, network, dests)
			tb.reportUnguarded(t, strict)
			e := newEnv(t, tb.config(t), tb.resolver())
			tb.run(t, e)
		})
	}
}

// TestNeighboursPermitted checks the public addresses right next to each
// refused range are permitted, so the refused ranges are no wider than
// documented. Nothing is dialled: these are real hosts on the internet.
func TestNeighboursPermitted(t *testing.T) {
	p, err := egress.New(egress.Config{HostAddrs: func() ([]netip.Addr, error) { return nil, nil }}, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	cases := []struct {
		name, addr string
	}{
		{"below 172.16/12", "172.15.255.255"},
		{"above 172.16/12", "172.32.0.1"},
		{"below cgnat", "100.63.255.255"},
		{"above cgnat", "100.128.0.1"},
		{"below 192.168/16", "192.167.255.255"},
		{"above 192.168/16", "192.169.0.1"},
		{"below 10/8", "9.255.255.255"},
		{"above 10/8", "11.0.0.1"},
		{"below link-local", "169.253.255.255"},
		{"above link-local", "169.255.0.1"},
		{"below loopback", "126.255.255.255"},
		{"above loopback", "128.0.0.1"},
		{"above benchmarking", "198.20.0.1"},
		{"below multicast", "223.255.255.254"},
		{"nat64 of a neighbour", "64:ff9b::ac20:1"},
		{"6to4 of a neighbour", "2002:ac20:1::1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, port := range []uint16{80, 443, 8080} {
				ap := netip.AddrPortFrom(netip.MustParseAddr(tc.addr), port)
				if err := p.CheckAddr(ap); err != nil {
					t.Errorf("CheckAddr(%s) = %v, want nil", ap, err)
				}
			}
		})
	}
}
