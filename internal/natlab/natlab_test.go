package natlab

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/internal/testenv"
)

// Environment of the hosts the test starts.
const (
	envRole = "NATLAB_ROLE"
	envDir  = "NATLAB_DIR"
	envName = "NATLAB_NAME"
)

// The agents: one behind each kind of NAT, in its own country so that a
// lease picks it.
var agents = []struct {
	router   router
	country  string
	wantKind string
	wantNAT  api.NATBehavior // what the agent should detect
}{
	{router{name: "cone", public: "10.0.0.11", lan: 11, fullCone: true}, "DE", "punched",
		api.NATBehavior{Mapping: api.NATEndpointIndependent, Filtering: api.NATEndpointIndependent}},
	{router{name: "sym", public: "10.0.0.12", lan: 12, symmetric: true}, "FR", "relayed",
		api.NATBehavior{Mapping: api.NATAddressDependent, Filtering: api.NATAddressDependent}},
}

var buyerRouter = router{name: "buyer", public: "10.0.0.13", lan: 13}

func TestNATLab(t *testing.T) {
	switch os.Getenv(envRole) {
	case "inet":
		inetRole(t, os.Getenv(envDir))
		return
	case "agent":
		agentRole(t, os.Getenv(envDir), os.Getenv(envName))
		return
	case "buyer":
		buyerRole(t, os.Getenv(envDir))
		return
	}
	if testing.Short() {
		t.Skip("natlab starts five hosts; skipped in -short mode")
	}
	testenv.NeedRoot(t)
	testenv.NeedTool(t, "ip")
	testenv.NeedTool(t, "nft")
	l := newLab(t)
	l.internet()
	for _, a := range agents {
		l.addRouter(a.router)
	}
	l.addRouter(buyerRouter)
	dir := t.TempDir()
	l.start("inet", "inet", "", dir)
	var info inetInfo
	readJSON(t, dir, "inet.json", 60*time.Second, &info)
	for _, a := range agents {
		l.start(a.router.name, "agent", a.router.name, dir)
	}
	for _, a := range agents {
		var ai agentInfo
		readJSON(t, dir, "agent-"+a.router.name+".json", 60*time.Second, &ai)
		checkReach(t, a.router.name, ai, a.wantNAT)
	}
	buyer := l.start(buyerRouter.name, "buyer", "", dir)
	if err := buyer.wait(180 * time.Second); err != nil {
		t.Fatalf("buyer: %v", err)
	}
	var results []buyerResult
	readJSON(t, dir, "buyer.json", time.Second, &results)
	var relayed relayMeter
	readJSON(t, dir, "relay-meter.json", time.Second, &relayed)
	checkResults(t, dir, info, results, relayed)
}

func checkReach(t *testing.T, name string, ai agentInfo, want api.NATBehavior) {
	t.Helper()
	if ai.Reach.Code != api.ReachBehindNAT || ai.Reach.NAT == nil || *ai.Reach.NAT != want {
		t.Errorf("agent %s reachability: got %s with NAT %+v, want behind_nat with %+v (reasons %q)",
			name, ai.Reach.Code, ai.Reach.NAT, want, ai.Reach.Reasons)
	}
}

func checkResults(t *testing.T, dir string, info inetInfo, results []buyerResult, relayed relayMeter) {
	t.Helper()
	if len(results) != 2*len(agents) {
		t.Fatalf("buyer results: got %d, want %d (natdial and gateway per agent)", len(results), 2*len(agents))
	}
	for i, a := range agents {
		var ai agentInfo
		readJSON(t, dir, "agent-"+a.router.name+".json", time.Second, &ai)
		leg := relayed[ai.NodeID]
		for _, r := range results[2*i : 2*i+2] {
			checkResult(t, a.router.name, a.wantKind, info, r, leg.Down)
		}
		// Both runs carried the body; a relayed agent's relay leg
		// carried both, a punched one's nothing.
		switch a.wantKind {
		case "relayed":
			if leg.Down <= int64(2*info.BodyLen) {
				t.Errorf("agent %s: relay leg carried %d bytes down, want more than the two %d byte bodies", a.router.name, leg.Down, info.BodyLen)
			}
		case "punched":
			if leg.Down != 0 {
				t.Errorf("agent %s: relay leg carried %d bytes down, want none on a punched path", a.router.name, leg.Down)
			}
		}
	}
}

// checkResult checks one way the buyer reached an agent.
func checkResult(t *testing.T, agent, wantKind string, info inetInfo, r buyerResult, legDown int64) {
	t.Helper()
	t.Logf("agent %s via %s: %s path (pair %q), %d bytes, broker settled %d down, relay leg %d down in all",
		agent, r.Via, r.Kind, r.Pair, r.Got, r.UsageDown, legDown)
	if r.Agent != agent {
		t.Errorf("result for agent %s: got agent %q", agent, r.Agent)
	}
	if r.Err != "" || r.Kind != wantKind || r.Got != info.BodyLen {
		t.Errorf("agent %s via %s: got %s path, %d bytes, error %q; want %s, %d bytes", agent, r.Via, r.Kind, r.Got, r.Err, wantKind, info.BodyLen)
	}
	if r.UsageDown != int64(info.BodyLen) {
		t.Errorf("agent %s via %s: broker settled %d bytes down, want the %d the exit carried", agent, r.Via, r.UsageDown, info.BodyLen)
	}
}

// host is a running host process.
type host struct {
	cmd  *exec.Cmd
	done chan error
}

// start runs the test binary as role inside namespace ns; its output goes
// to the test log, and it is killed when the test ends.
func (l *lab) start(ns, role, name, dir string) *host {
	l.t.Helper()
	exe, err := os.Executable()
	if err != nil {
		l.t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", l.ns(ns), exe, "-test.run=^TestNATLab$", "-test.v", "-test.timeout=5m")
	cmd.Env = append(os.Environ(), envRole+"="+role, envDir+"="+dir, envName+"="+name)
	out, err := cmd.StdoutPipe()
	if err != nil {
		l.t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		l.t.Fatalf("natlab: start %s: %v", role, err)
	}
	h := &host{cmd: cmd, done: make(chan error, 1)}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := bufio.NewScanner(out)
		s.Buffer(make([]byte, 64<<10), 1<<20)
		for s.Scan() {
			if line := s.Text(); strings.Contains(line, "--- FAIL") || strings.Contains(line, "natlab:") || strings.Contains(line, "panic") {
				l.t.Logf("[%s %s] %s", role, name, line)
			}
		}
	}()
	go func() { wg.Wait(); h.done <- cmd.Wait() }()
	l.t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-h.done
	})
	return h
}

func (h *host) wait(d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	select {
	case err := <-h.done:
		h.done <- err
		return err
	case <-ctx.Done():
		return fmt.Errorf("still running after %v", d)
	}
}
