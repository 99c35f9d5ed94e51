package egresstable

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/sparelink/sparelink/relay/egress"
	"github.com/sparelink/sparelink/relay/egress/egresstest"
)

// TestRebindingEveryPath scripts DNS rebinding through every path: a name
// first answers with the permitted origin, then with another loopback
// address on the same port, where a canary listens, then with both. Each
// connection must be judged on the answer it got, with exactly one
// lookup per connection, and the canary must never be reached.
func TestRebindingEveryPath(t *testing.T) {
	if *inNetns != "" {
		t.Skip("inside the test namespace: only TestDeniedDestinationsInNamespace runs here")
	}
	for _, network := range []string{"tcp", "udp"} {
		t.Run(network, func(t *testing.T) { runRebinding(t, network) })
	}
}

// rebindSteps are the answers a rebinding name gives, in order, and
// whether the connection made with each must reach the origin.
var rebindSteps = []struct {
	name    string
	answers []string
	reach   bool
}{
	{"answer is the origin", []string{"127.0.0.1"}, true},
	{"answer rebound to another loopback address", []string{"127.0.0.5"}, false},
	{"answer mixes both", []string{"127.0.0.5", "127.0.0.1"}, true},
}

func runRebinding(t *testing.T, network string) {
	origin := startOrigin(t, "127.0.0.1")
	if network == "udp" {
		origin = startUDPOrigin(t, "127.0.0.1")
	}
	c := bindCanary(t, network, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.5"), origin.Port()))
	if c == nil {
		t.Fatalf("cannot bind a %s canary on 127.0.0.5:%d", network, origin.Port())
	}
	c.selfCheck(t, c.addr)
	res := egresstest.NewResolver()
	for _, p := range rebindPaths(network) {
		for _, step := range rebindSteps {
			res.Answer(flipName(p), step.answers...)
		}
	}
	e := newEnv(t, egress.Config{Allow: mustRules(t, origin.String())}, res)
	for _, p := range rebindPaths(network) {
		t.Run(p.name, func(t *testing.T) {
			for _, step := range rebindSteps {
				rebindStep(t, e, p, origin, step.name, step.reach)
			}
			if got := countLookups(res, flipName(p)+"."); got != len(rebindSteps) {
				t.Errorf("%s was looked up %d times, want %d (one per connection)", flipName(p), got, len(rebindSteps))
			}
		})
	}
	if n, b := c.accepted.Load(), c.bytes.Load(); n != 0 || b != 0 {
		t.Errorf("canary %s %s received %d times, %d bytes, want 0", network, c.addr, n, b)
	}
	e.checkTripwire(t, []netip.AddrPort{origin})
}

func rebindStep(t *testing.T, e *env, p path, origin netip.AddrPort, name string, reach bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	body, err := p.get(ctx, e, flipName(p), origin.Port())
	want := "origin " + origin.String()
	switch {
	case reach && (err != nil || body != want):
		t.Errorf("%s: got %q, %v; want %q", name, body, err, want)
	case !reach && err == nil:
		t.Errorf("%s: got %q, want a refusal", name, body)
	case !reach:
		if bad := p.refusal(err); bad != nil {
			t.Errorf("%s: %v", name, bad)
		}
	}
}

// rebindPaths are the paths on which the exit resolves the name of each
// connection. Over WireGuard the buyer resolves names (through the exit's
// DNS, which the table's name rows cover) and sends packets to addresses,
// so there is no name for the exit to resolve again.
func rebindPaths(network string) []path {
	var out []path
	for _, p := range pathsFor(network) {
		if !p.dns443 {
			out = append(out, p)
		}
	}
	return out
}

func flipName(p path) string { return "flip-" + p.name + ".example" }

func countLookups(res *egresstest.Resolver, name string) int {
	n := 0
	for _, l := range res.Lookups() {
		if l == name {
			n++
		}
	}
	return n
}
