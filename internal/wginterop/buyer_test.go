package wginterop

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// stockClient is Debian's wireguard-go running interface iface in the
// buyer's namespace, configured with wg and ip.
type stockClient struct {
	ns, iface string
}

// startStockClient runs wireguard-go in ns and configures it from the
// wg-quick text quick: `wg setconf` with the wg-quick-only keys stripped,
// then the addresses, MTU and default routes with ip. The exit's endpoint
// stays reachable over the namespace's veth, whose /24 it is on.
func startStockClient(t *testing.T, ns, quick string) *stockClient {
	t.Helper()
	sc, err := splitQuick(quick)
	if err != nil {
		t.Fatalf("split the lease's configuration: %v\n%s", err, quick)
	}
	c := &stockClient{ns: ns, iface: fmt.Sprintf("wgi%d", os.Getpid())}
	c.startDaemon(t)
	conf := filepath.Join(t.TempDir(), "wg.conf")
	if err := os.WriteFile(conf, []byte(sc.Conf), 0o600); err != nil {
		t.Fatalf("write wg config: %v", err)
	}
	run(t, "ip", "netns", "exec", ns, "wg", "setconf", c.iface, conf)
	for _, a := range sc.Addresses {
		run(t, "ip", "-n", ns, "addr", "add", a.String(), "dev", c.iface, "nodad")
	}
	if sc.MTU > 0 {
		run(t, "ip", "-n", ns, "link", "set", c.iface, "mtu", strconv.Itoa(sc.MTU))
	}
	run(t, "ip", "-n", ns, "link", "set", c.iface, "up")
	run(t, "ip", "-n", ns, "route", "add", "default", "dev", c.iface)
	run(t, "ip", "-n", ns, "-6", "route", "add", "default", "dev", c.iface)
	return c
}

// startDaemon runs wireguard-go in the foreground and waits for its
// control socket; SIGTERM at the end lets it remove its interface.
func (c *stockClient) startDaemon(t *testing.T) {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", c.ns, "wireguard-go", "-f", c.iface)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start wireguard-go: %v", err)
	}
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
	for exec.Command("ip", "netns", "exec", c.ns, "wg", "show", c.iface).Run() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("wireguard-go did not come up in %s:\n%s", c.ns, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitHandshake waits until the client has completed a handshake with
// the exit; the keepalive starts one as soon as the peer is configured.
func (c *stockClient) waitHandshake(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		out := run(t, "ip", "netns", "exec", c.ns, "wg", "show", c.iface, "latest-handshakes")
		if f := strings.Fields(out); len(f) == 2 && f[1] != "0" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no handshake with the exit after 15s: %q", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// curl fetches url from the namespace and returns curl's exit code and
// the number of body bytes it downloaded.
func (c *stockClient) curl(t *testing.T, url string) (code int, size string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", c.ns, "curl", "-sS", "-o", "/dev/null",
		"-w", "%{size_download}", "--connect-timeout", "5", "--max-time", "15", url)
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatalf("run curl: %v", err)
	}
	return 0, string(out)
}
