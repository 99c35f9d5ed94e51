package egresstable

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sparelink/sparelink/relay/egress"
	"github.com/sparelink/sparelink/relay/egress/egresstest"
)

// run drives every row and control through every path of e, then checks
// the canaries, the tripwire and the resolver.
func (tb *table) run(t *testing.T, e *env) {
	t.Helper()
	for _, p := range pathsFor(tb.network) {
		t.Run(p.name, func(t *testing.T) {
			for _, r := range tb.rows {
				t.Run(r.name, func(t *testing.T) { tb.runRow(t, e, p, r) })
			}
			for _, c := range tb.reach {
				t.Run("reach "+c.name, func(t *testing.T) { runReach(t, e, p, c) })
			}
		})
	}
	tb.checkCanaries(t)
	e.checkTripwire(t, []netip.AddrPort{tb.origin, tb.origin9})
	checkLookups(t, e.resolver)
}

func (tb *table) runRow(t *testing.T, e *env, p path, r row) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	body, err := p.get(ctx, e, r.host, r.port)
	if err == nil {
		t.Fatalf("%s %s:%d: got an answer %q, want a refusal", p.name, r.host, r.port, body)
	}
	if bad := p.refusal(err); bad != nil {
		t.Errorf("%s %s:%d: %v", p.name, r.host, r.port, bad)
	}
	if p.direct {
		checkReason(t, err, r.reason)
	}
}

func runReach(t *testing.T, e *env, p path, c reachable) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	body, err := p.get(ctx, e, c.host, c.port)
	if c.portOnly && p.dns443 {
		if err == nil {
			t.Errorf("%s %s: got %q, want the name refused (judged for port 443, which no rule allows)", p.name, c.host, body)
		} else if bad := p.refusal(err); bad != nil {
			t.Errorf("%s %s: %v", p.name, c.host, bad)
		}
		return
	}
	if want := "origin " + c.origin.String(); err != nil || body != want {
		t.Errorf("%s %s:%d: got %q, %v; want %q", p.name, c.host, c.port, body, err, want)
	}
}

// builtinReasons are the refusals that do not depend on owner rules.
var builtinReasons = []egress.Reason{loopback, private, linkLocal, cgnat, multicast, unspec, reserved, metadata, egress.ReasonHostLocal}

func checkReason(t *testing.T, err error, want egress.Reason) {
	t.Helper()
	got := reasonOf(err)
	if want == "" && slices.Contains(builtinReasons, got) {
		return
	}
	if got != want {
		t.Errorf("policy reason = %q (err %v), want %q", got, err, want)
	}
}

// checkCanaries fails the test for every canary that was reached.
func (tb *table) checkCanaries(t *testing.T) {
	t.Helper()
	bound := 0
	for _, r := range tb.rows {
		if r.canary == nil {
			continue
		}
		bound++
		if n, b := r.canary.accepted.Load(), r.canary.bytes.Load(); n != 0 || b != 0 {
			t.Errorf("row %q (%s:%d): %s canary %s was reached %d times carrying %d bytes, want 0",
				r.name, r.host, r.port, tb.network, r.canary.addr, n, b)
		}
	}
	t.Logf("%s: %d rows, %d with a canary bound on this machine, none reached", tb.network, len(tb.rows), bound)
}

// checkLookups fails the test when a name the policy must refuse before
// any lookup (local names, names an owner denied) or a numeric spelling
// reached the resolver.
func checkLookups(t *testing.T, res *egresstest.Resolver) {
	t.Helper()
	for _, name := range res.Lookups() {
		bare := strings.TrimSuffix(name, ".")
		for _, r := range append(slices.Clone(loopbackRows), networkRows...) {
			refusedEarly := r.reason == localName || r.reason == ownerDeny || len(r.answers) == 0
			if refusedEarly && strings.EqualFold(strings.TrimSuffix(r.host, "."), bare) {
				t.Errorf("row %q: %q reached the resolver, want it refused before any lookup", r.name, name)
			}
		}
	}
}

// reportUnguarded names the rows whose address is on this machine but
// whose canary could not be bound (a fixed port already in use): an error
// when strict, a log line otherwise. The tripwire still guards them.
func (tb *table) reportUnguarded(t *testing.T, strict bool) {
	t.Helper()
	local, err := localAddrs()
	if err != nil {
		t.Fatalf("list local addresses: %v", err)
	}
	for _, r := range tb.rows {
		if r.lands == "" || r.canary != nil {
			continue
		}
		a := netip.MustParseAddr(r.lands)
		if !a.IsLoopback() && !slices.Contains(local, a) {
			continue
		}
		if strict {
			t.Errorf("row %q: %s %s is on this machine but its canary could not be bound", r.name, tb.network, r.lands)
		} else {
			t.Logf("row %q: %s %s:%d could not be bound; the tripwire guards it", r.name, tb.network, r.lands, r.port)
		}
	}
}
