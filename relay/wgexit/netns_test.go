package wgexit_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sparelink/sparelink/internal/testenv"
	"github.com/sparelink/sparelink/relay/wgexit"
	"github.com/sparelink/sparelink/relay/wgexit/wgtest"
)

// netnsBuyer is a network namespace joined to the host by a veth pair,
// with a stock WireGuard interface (the kernel's, or wireguard-go's when
// the module is missing) as its default route.
type netnsBuyer struct {
	ns, iface string
	host      string // the host side's address, where the exit listens
	target    string // a second host address, reached only through the tunnel
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

// newNetnsBuyer creates the namespace and veth pair; every name carries
// the PID so that parallel test processes cannot collide.
func newNetnsBuyer(t *testing.T) *netnsBuyer {
	t.Helper()
	testenv.NeedRoot(t)
	testenv.NeedTool(t, "ip")
	pid := os.Getpid()
	subnet := fmt.Sprintf("10.251.%d", pid%250)
	n := &netnsBuyer{ns: fmt.Sprintf("wgx%d", pid), iface: fmt.Sprintf("wgx%d", pid),
		host: subnet + ".1", target: subnet + ".3"}
	vh, vn := fmt.Sprintf("wgxh%d", pid), fmt.Sprintf("wgxn%d", pid)
	run(t, "ip", "netns", "add", n.ns)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", n.ns).Run() })
	run(t, "ip", "link", "add", vh, "type", "veth", "peer", "name", vn)
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", vh).Run() })
	run(t, "ip", "link", "set", vn, "netns", n.ns)
	run(t, "ip", "addr", "add", n.host+"/24", "dev", vh)
	run(t, "ip", "addr", "add", n.target+"/32", "dev", vh)
	run(t, "ip", "link", "set", vh, "up")
	run(t, "ip", "-n", n.ns, "link", "set", "lo", "up")
	run(t, "ip", "-n", n.ns, "addr", "add", subnet+".2/32", "dev", vn)
	run(t, "ip", "-n", n.ns, "link", "set", vn, "up")
	// Only the exit's address goes over the veth; everything else,
	// the target included, must take the tunnel.
	run(t, "ip", "-n", n.ns, "route", "add", n.host+"/32", "dev", vn)
	return n
}

// addWireGuard brings up the tunnel from a rendered wg-quick config:
// `wg setconf` takes the keys and peer, ip the wg-quick-only Address and
// MTU (DNS is not used: the test names addresses).
func (n *netnsBuyer) addWireGuard(t *testing.T, config string) {
	t.Helper()
	testenv.NeedTool(t, "wg")
	q, err := wgtest.ParseQuick(config)
	if err != nil {
		t.Fatalf("parse config: %v", err)
	}
	if exec.Command("ip", "-n", n.ns, "link", "add", n.iface, "type", "wireguard").Run() != nil {
		n.startWireGuardGo(t)
	}
	conf := filepath.Join(t.TempDir(), "wg.conf")
	if err := os.WriteFile(conf, []byte(q.SetConf()), 0o600); err != nil {
		t.Fatalf("write config: %v", err)
	}
	run(t, "ip", "netns", "exec", n.ns, "wg", "setconf", n.iface, conf)
	for _, a := range q.Addresses {
		run(t, "ip", "-n", n.ns, "addr", "add", a.String(), "dev", n.iface, "nodad")
	}
	run(t, "ip", "-n", n.ns, "link", "set", n.iface, "mtu", fmt.Sprint(q.MTU), "up")
	run(t, "ip", "-n", n.ns, "route", "add", "default", "dev", n.iface)
	run(t, "ip", "-n", n.ns, "-6", "route", "add", "default", "dev", n.iface)
}

// startWireGuardGo runs wireguard-go in the namespace in the foreground
// and waits for its control socket.
func (n *netnsBuyer) startWireGuardGo(t *testing.T) {
	t.Helper()
	testenv.NeedTool(t, "wireguard-go")
	cmd := exec.Command("ip", "netns", "exec", n.ns, "wireguard-go", "-f", n.iface)
	cmd.Env = append(os.Environ(), "WG_PROCESS_FOREGROUND=1")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start wireguard-go: %v", err)
	}
	// SIGTERM lets wireguard-go remove its interface and control socket.
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for exec.Command("ip", "netns", "exec", n.ns, "wg", "show", n.iface).Run() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("wireguard-go did not come up:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// curl fetches url from inside the namespace and returns curl's exit
// code and the downloaded size.
func (n *netnsBuyer) curl(t *testing.T, url string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", n.ns, "curl", "-sS", "-o", "/dev/null",
		"-w", "%{size_download}", "--connect-timeout", "10", "--max-time", "20", url)
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	} else if err != nil {
		t.Fatalf("run curl: %v", err)
	}
	return 0, string(out)
}

func TestStockClientInNetns(t *testing.T) {
	testenv.NeedTool(t, "curl")
	n := newNetnsBuyer(t)
	canary := wgtest.StartCanaryOn(t, n.target)
	env := wgtest.Start(t, wgexit.Config{ListenAddr: net.JoinHostPort(n.host, "0")}, canary.Addr)
	key := wgtest.NewKey(t)
	a, err := env.Exit.AddPeer(wgexit.Peer{LeaseID: "ls_stock", PublicKey: wgtest.PublicKey(t, key)})
	if err != nil {
		t.Fatalf("AddPeer: %v", err)
	}
	endpoint := net.JoinHostPort(n.host, fmt.Sprint(env.Exit.Port()))
	n.addWireGuard(t, env.Exit.Config(a, key.String(), endpoint))

	code, size := n.curl(t, canary.URL+"/bytes/300000")
	if code != 0 || size != "300000" {
		t.Fatalf("curl through the tunnel: exit code %d, %s bytes; want 0 and 300000", code, size)
	}
	before := meterMatches(t, env, "ls_stock", canary)
	denied := []struct{ name, url string }{
		{name: "private", url: "http://10.0.0.1/"},
		{name: "metadata", url: "http://169.254.169.254/"},
		{name: "another port of the target", url: fmt.Sprintf("http://%s/", net.JoinHostPort(n.target, "8"))},
	}
	for _, tt := range denied {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			// 7 is curl's "failed to connect": the exit's RST.
			if code, _ := n.curl(t, tt.url); code != 7 {
				t.Errorf("curl %s: exit code %d after %v, want 7 (connection refused)", tt.url, code, time.Since(start))
			}
		})
	}
	if got := env.Meter.Lease("ls_stock").Totals(); got != before {
		t.Errorf("got meter %+v after refused requests, want it unchanged at %+v", got, before)
	}
}
