package egresstable

import (
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sparelink/sparelink/internal/testenv"
)

// inNetns is set when TestDeniedDestinationsInNamespace re-runs this test
// binary inside the namespace it made; it holds the namespace's name.
var inNetns = flag.String("egresstable.netns", "",
	"internal: set when the test binary runs inside the egress test namespace")

// nsDevice is the veth end that holds the destination addresses inside
// the namespace.
const nsDevice = "sl1"

// TestDeniedDestinationsInNamespace gives every destination of the table
// a canary, including the private, CGNAT, link-local, metadata and
// reserved addresses that only root can bind. It makes a network
// namespace with a veth pair holding those addresses and runs the whole
// table (policy, QUIC exit, gateway) inside it, by running this test
// binary there again. The namespace has no route out: nothing it does
// can reach another machine.
func TestDeniedDestinationsInNamespace(t *testing.T) {
	if *inNetns != "" {
		runInsideNamespace(t)
		return
	}
	testenv.NeedRoot(t)
	ip := testenv.NeedTool(t, "ip")
	ns := newNamespace(t, ip)
	cmd := exec.Command(ip, "netns", "exec", ns, os.Args[0],
		"-test.run=^TestDeniedDestinationsInNamespace$", "-test.count=1", "-test.v",
		"-test.timeout=5m", "-egresstable.netns="+ns)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestDeniedDestinationsInNamespace") {
		t.Fatalf("table inside namespace %s: %v\n%s", ns, err, out)
	}
	for line := range strings.Lines(string(out)) {
		if strings.Contains(line, "canary bound") || strings.Contains(line, "not assigned") {
			t.Log("namespace: " + strings.TrimSpace(line))
		}
	}
}

// runInsideNamespace is the namespace half: every row whose address the
// namespace holds must get a canary, and none may be reached.
func runInsideNamespace(t *testing.T) {
	local, err := localAddrs()
	if err != nil || !slices.Contains(local, netip.MustParseAddr("10.0.0.1")) {
		t.Fatalf("not inside the egress test namespace %q (addresses %v, %v)", *inNetns, local, err)
	}
	dests := append(append([]destination{}, loopbackRows...), networkRows...)
	for _, r := range dests {
		if r.lands == "" {
			continue
		}
		if a := netip.MustParseAddr(r.lands); !a.IsLoopback() && !slices.Contains(local, a) {
			t.Logf("row %q: %s not assigned by the kernel; the tripwire guards it", r.name, r.lands)
		}
	}
	runTables(t, dests, true)
}

// newNamespace makes a network namespace with loopback up and a veth pair
// whose end nsDevice holds every non-loopback address the table's rows
// land on. It is deleted when the test ends.
func newNamespace(t *testing.T, ip string) string {
	t.Helper()
	ns := fmt.Sprintf("sl-egress-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6)
	if out, err := exec.Command(ip, "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v\n%s", ns, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command(ip, "netns", "del", ns).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v\n%s", ns, err, out)
		}
	})
	script := []string{
		"link set lo up",
		"link add sl0 type veth peer name " + nsDevice,
		"link set sl0 up",
		"link set " + nsDevice + " up",
	}
	for _, a := range namespaceAddrs() {
		script = append(script, fmt.Sprintf("addr add %s/%d dev %s nodad", a, a.BitLen(), nsDevice))
	}
	cmd := exec.Command(ip, "-n", ns, "-force", "-batch", "-")
	cmd.Stdin = strings.NewReader(strings.Join(script, "\n") + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		// -force goes on after a failed line; an address the kernel
		// refuses is reported by the namespace half.
		t.Logf("setting up namespace %s: %v\n%s", ns, err, out)
	}
	return ns
}

// namespaceAddrs are the distinct non-loopback addresses rows land on.
func namespaceAddrs() []netip.Addr {
	var out []netip.Addr
	for _, r := range append(slices.Clone(loopbackRows), networkRows...) {
		if r.lands == "" {
			continue
		}
		a := netip.MustParseAddr(r.lands)
		if !a.IsLoopback() && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}
