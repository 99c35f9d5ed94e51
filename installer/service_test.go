package installer

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/nodetest"
	"github.com/sparelink/sparelink/internal/testenv"
)

// installedAgent is the packaged agent's command line, as the systemd
// unit runs it (ExecStart in systemd/sparelink-agent.service).
var installedAgent = []string{"/usr/bin/sparelink-agent", "--config", "/etc/sparelink/agent.json"}

// hintPrefix starts the command install.sh tells the owner to pair with.
const hintPrefix = "sudo -u sparelink "

// pairHint returns the pairing command install.sh printed in out, without
// its "sudo -u sparelink" and with code for the operator key.
func pairHint(t *testing.T, out, code string) []string {
	t.Helper()
	for _, l := range lines(out) {
		_, cmd, ok := strings.Cut(l, "pair this machine with your operator key:")
		if !ok {
			continue
		}
		cmd = strings.TrimSpace(cmd)
		if !strings.HasPrefix(cmd, hintPrefix) || !strings.HasSuffix(cmd, " pair <operator key>") {
			t.Fatalf("got pairing hint %q, want %q...%q", cmd, hintPrefix, " pair <operator key>")
		}
		args := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(cmd, hintPrefix), "<operator key>"))
		return append(args, code)
	}
	t.Fatalf("got no pairing hint in the output of install.sh:\n%s", out)
	return nil
}

// asAgentUser runs a command as the packaged 'sparelink' user, from /,
// with only PATH and env in its environment, the way a service starts.
// setpriv (util-linux, in every Debian) is sudo -u without PAM or sudo.
func asAgentUser(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	setpriv := testenv.NeedTool(t, "setpriv")
	cmd := exec.Command(setpriv, append([]string{"--reuid=sparelink", "--regid=sparelink", "--init-groups", "--"}, args...)...)
	cmd.Dir = "/"
	cmd.Env = append([]string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, env...)
	return cmd
}

// lockedBuffer collects a running process's output.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// pairAndRun pairs the installed agent with a pairing code of a new
// operator, following the hint install.sh printed, starts it as the
// service would, waits until the broker lists its node online in the
// installed config's country, and stops it.
func pairAndRun(t *testing.T, m *nodetest.Market, installOut, country string) {
	t.Helper()
	defer func(start time.Time) {
		t.Logf("paired, ran and stopped the installed agent in %v", time.Since(start).Round(time.Millisecond))
	}(time.Now())
	ctx := context.Background()
	op, key := m.Account(api.KindOperator, "Installer Test Operator")
	code, err := client.New(m.URL, key).CreatePairingCode(ctx, 0)
	if err != nil {
		t.Fatalf("create pairing code: %v", err)
	}
	pair := asAgentUser(t, nil, pairHint(t, installOut, code.Code)...)
	out, err := pair.CombinedOutput()
	t.Logf("%s:\n%s", strings.Join(pair.Args, " "), out)
	if err != nil || !strings.Contains(string(out), "Paired with operator account "+op.ID) {
		t.Fatalf("pair: got %v, want it paired with %s", err, op.ID)
	}
	checkPaths(t, []pathWant{{"/var/lib/sparelink/agent/operator.key", 0o600, "sparelink"}})
	// The packaged config listens on 0.0.0.0:4433 and 127.0.0.1:7465;
	// the test moves both to free loopback ports, and keeps the rest.
	agent := asAgentUser(t, []string{"SPARELINK_LISTEN=127.0.0.1:0", "SPARELINK_STATUS_LISTEN=127.0.0.1:0"}, installedAgent...)
	var log lockedBuffer
	agent.Stdout, agent.Stderr = &log, &log
	if err := agent.Start(); err != nil {
		t.Fatalf("start the installed agent: %v", err)
	}
	started := time.Now()
	node, waitErr := waitOnline(m, op.ID, 30*time.Second)
	t.Logf("installed agent: listed online after %v", time.Since(started).Round(time.Millisecond))
	stopErr := stopAgent(agent)
	t.Logf("installed agent's log:\n%s", log.String())
	if waitErr != nil {
		t.Fatalf("installed agent: %v", waitErr)
	}
	if node.Region.Country != country {
		t.Errorf("node %s: got country %q, want %q from the installed config", node.ID, node.Region.Country, country)
	}
	if stopErr != nil {
		t.Errorf("installed agent on SIGTERM: got %v, want a clean exit", stopErr)
	}
}

// waitOnline polls the broker until a node of operator is online.
func waitOnline(m *nodetest.Market, operator string, limit time.Duration) (api.Node, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var last error
	for ctx.Err() == nil {
		list, err := m.Admin.Nodes(ctx, client.NodeQuery{Online: true})
		if last = err; err == nil {
			for _, n := range list.Nodes {
				if n.OperatorID == operator && n.Status == api.NodeOnline {
					return n, nil
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return api.Node{}, fmt.Errorf("got no online node of operator %s after %v (last listing error: %v)", operator, limit, last)
}

// stopAgent sends SIGTERM, as systemctl stop does, and waits.
func stopAgent(cmd *exec.Cmd) error {
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Signal(os.Kill)
		<-done
		return fmt.Errorf("did not stop within 30s of SIGTERM (TimeoutStopSec)")
	}
}
