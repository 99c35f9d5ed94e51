package quicexit

import (
	"net/http"
	"testing"

	"github.com/sparelink/sparelink/internal/lease"
	"github.com/sparelink/sparelink/metering/meter"
)

// TestUnmeteredForBenchmark checks what the benchmark-only exit leaves
// out: counting and byte caps, and nothing else.
func TestUnmeteredForBenchmark(t *testing.T) {
	const size, byteCap = 300_000, 100_000
	base := newEnv(t, newOrigin(t, false))
	exit, err := NewUnmeteredForBenchmark(base.exit.cfg, nil)
	if err != nil {
		t.Fatalf("NewUnmeteredForBenchmark: %v", err)
	}
	t.Cleanup(func() { exit.Close() })
	addr, err := exit.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := dialExit(t, addr.String(), base.key.Public())
	str := c.connect(t, base.origin.addr(), base.token(t, func(cl *lease.Claims) { cl.ByteCap = byteCap }))
	upload(t, str, size) // past the cap: an unmetered exit does not enforce it
	waitFor(t, "tunnel to close", func() bool { return exit.ActiveTunnels() == 0 })
	if got := base.meter.Lease(leaseOf(t)).Totals(); got != (meter.Totals{}) {
		t.Errorf("meter: got %+v, want nothing counted", got)
	}
	_, rsp := c.request(t, http.MethodConnect, base.origin.addr(), "")
	if rsp.StatusCode != http.StatusProxyAuthRequired {
		t.Errorf("no token: got %d, want 407: tokens are still checked", rsp.StatusCode)
	}
}
