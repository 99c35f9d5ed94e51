package wginterop

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// veth is a network namespace joined to the host namespace by a veth
// pair on a /24 of its own: the host end holds .1, the namespace end .2.
// Nothing routes beyond the two ends.
type veth struct {
	ns         string
	hostDev    string
	nsDev      string
	host, peer netip.Addr
}

// run runs a command and fails the test with its output when it fails.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// newVeth makes namespace role (one letter) on 10.octet.(pid%250).0/24.
// Names carry the PID so that parallel test processes cannot collide;
// everything is removed when the test ends.
func newVeth(t *testing.T, role string, octet int) *veth {
	t.Helper()
	pid := os.Getpid()
	v := &veth{
		ns:      fmt.Sprintf("slwgi-%s-%d", role, pid),
		hostDev: fmt.Sprintf("wi%sh%d", role, pid),
		nsDev:   fmt.Sprintf("wi%sn%d", role, pid),
		host:    netip.AddrFrom4([4]byte{10, byte(octet), byte(pid % 250), 1}),
		peer:    netip.AddrFrom4([4]byte{10, byte(octet), byte(pid % 250), 2}),
	}
	run(t, "ip", "netns", "add", v.ns)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", v.ns).Run() })
	run(t, "ip", "link", "add", v.hostDev, "type", "veth", "peer", "name", v.nsDev, "netns", v.ns)
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", v.hostDev).Run() })
	run(t, "ip", "addr", "add", v.host.String()+"/24", "dev", v.hostDev)
	run(t, "ip", "link", "set", v.hostDev, "up")
	run(t, "ip", "-n", v.ns, "link", "set", "lo", "up")
	run(t, "ip", "-n", v.ns, "addr", "add", v.peer.String()+"/24", "dev", v.nsDev)
	run(t, "ip", "-n", v.ns, "link", "set", v.nsDev, "up")
	return v
}

// inNamespace runs fn on the calling goroutine with its thread moved into
// namespace ns, so that the sockets fn opens belong to ns; they stay
// there when the thread moves back. A thread that cannot move back stays
// locked, and the runtime ends it with the goroutine.
func inNamespace(t *testing.T, ns string, fn func()) {
	t.Helper()
	runtime.LockOSThread()
	home, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatalf("open this thread's network namespace: %v", err)
	}
	defer home.Close()
	target, err := os.Open(filepath.Join("/run/netns", ns))
	if err == nil {
		defer target.Close()
		err = unix.Setns(int(target.Fd()), unix.CLONE_NEWNET)
	}
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatalf("enter network namespace %s: %v", ns, err)
	}
	defer func() {
		if err := unix.Setns(int(home.Fd()), unix.CLONE_NEWNET); err != nil {
			t.Errorf("leave network namespace %s: %v", ns, err)
			return
		}
		runtime.UnlockOSThread()
	}()
	fn()
}
