package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sparelink/sparelink/relay/wgexit"
)

// wgLab holds what the WireGuard rows run in: network namespaces, host
// ends of veth pairs and wireguard-go processes. close removes them all.
type wgLab struct {
	id        string // unique on the machine: the process ID
	dir       string // configuration files
	nss       []string
	hostDevs  []string
	procs     []*exec.Cmd
	exit      *wgexit.Exit
	listeners []net.Listener
	sinks     sinks
}

func newWGLab() (*wgLab, error) {
	dir, err := os.MkdirTemp("", "sparelink-bench-wg-")
	if err != nil {
		return nil, fmt.Errorf("wireguard lab: %w", err)
	}
	return &wgLab{id: strconv.Itoa(os.Getpid()), dir: dir}, nil
}

// ip runs ip with args and returns its error output on failure.
func (l *wgLab) ip(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// nsName is the namespace of role.
func (l *wgLab) nsName(role string) string { return "slbench-wg-" + l.id + "-" + role }

// iface is the WireGuard interface of role's namespace. wireguard-go's
// control sockets live in one directory for all namespaces, so names
// must differ across namespaces and processes.
func (l *wgLab) iface(role string) string { return "slwg" + role + l.id }

// netns makes role's namespace with loopback up.
func (l *wgLab) netns(ctx context.Context, role string) (string, error) {
	ns := l.nsName(role)
	if err := l.ip(ctx, "netns", "add", ns); err != nil {
		return "", err
	}
	l.nss = append(l.nss, ns)
	return ns, l.ip(ctx, "-n", ns, "link", "set", "lo", "up")
}

// wireGuardGo runs wireguard-go in role's namespace in the foreground
// and configures it: conf through `wg setconf`, then addr and mtu, then
// routes.
func (l *wgLab) wireGuardGo(ctx context.Context, role, conf string, addr netip.Prefix, mtu int, routes ...string) error {
	ns, wgIface := l.nsName(role), l.iface(role)
	cmd := exec.Command("ip", "netns", "exec", ns, "wireguard-go", "-f", wgIface)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start wireguard-go: %w", err)
	}
	l.procs = append(l.procs, cmd)
	if err := waitWireGuard(ctx, ns, wgIface); err != nil {
		return fmt.Errorf("%w: %s", err, out.String())
	}
	file := filepath.Join(l.dir, ns+".conf")
	if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
		return err
	}
	if out, err := exec.CommandContext(ctx, "ip", "netns", "exec", ns, "wg", "setconf", wgIface, file).CombinedOutput(); err != nil {
		return fmt.Errorf("wg setconf in %s: %w: %s", ns, err, out)
	}
	steps := [][]string{
		{"-n", ns, "addr", "add", addr.String(), "dev", wgIface},
		{"-n", ns, "link", "set", wgIface, "mtu", strconv.Itoa(mtu), "up"},
	}
	for _, r := range routes {
		steps = append(steps, []string{"-n", ns, "route", "add", r, "dev", wgIface})
	}
	for _, s := range steps {
		if err := l.ip(ctx, s...); err != nil {
			return err
		}
	}
	return nil
}

// waitWireGuard waits until wireguard-go's control socket answers.
func waitWireGuard(ctx context.Context, ns, wgIface string) error {
	deadline := time.Now().Add(10 * time.Second)
	for exec.CommandContext(ctx, "ip", "netns", "exec", ns, "wg", "show", wgIface).Run() != nil {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("wireguard-go in %s did not come up", ns)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// listenIn listens on TCP addr inside namespace ns.
func listenIn(ns, addr string) (net.Listener, error) {
	var ln net.Listener
	err := inNetns(ns, func() (err error) {
		ln, err = net.Listen("tcp", addr)
		return err
	})
	return ln, err
}

// dialFrom returns a dial that connects to the sink from namespace ns.
func dialFrom(ns string, sink net.Addr) func(context.Context) (net.Conn, error) {
	return func(ctx context.Context) (net.Conn, error) {
		var c net.Conn
		err := inNetns(ns, func() (err error) {
			var d net.Dialer
			c, err = d.DialContext(ctx, "tcp", sink.String())
			return err
		})
		return c, err
	}
}

// close stops the wireguard-go processes (SIGTERM lets them remove their
// interfaces), then deletes the namespaces, veth ends and files.
func (l *wgLab) close() error {
	var errs []error
	if l.exit != nil {
		errs = append(errs, l.exit.Close())
	}
	for _, ln := range l.listeners {
		_ = ln.Close()
	}
	l.sinks.wg.Wait()
	for _, p := range l.procs {
		_ = p.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = p.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = p.Process.Kill()
			<-done
		}
	}
	ctx := context.Background()
	for _, d := range l.hostDevs {
		_ = l.ip(ctx, "link", "del", d) // gone with its namespace's end already
	}
	for _, ns := range l.nss {
		errs = append(errs, l.ip(ctx, "netns", "del", ns))
	}
	errs = append(errs, os.RemoveAll(l.dir))
	return errors.Join(errs...)
}
