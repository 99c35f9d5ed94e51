package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/internal/testenv"
)

// startGatewayCmd runs `sparelink gateway args...` until the test ends
// and returns what it printed once ready.
func startGatewayCmd(t *testing.T, args ...string) readyInfo {
	t.Helper()
	pr, pw := io.Pipe()
	root := newRoot()
	root.SetOut(pw)
	root.SetErr(io.Discard)
	root.SetArgs(append([]string{"gateway", "--json", "--socks", "127.0.0.1:0", "--http", "127.0.0.1:0"}, args...))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx); pw.Close() }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("gateway ended with %v", err)
		}
	})
	lines := make(chan string, 1)
	go func() {
		br := bufio.NewReader(pr)
		line, _ := br.ReadString('\n')
		lines <- line
		_, _ = io.Copy(io.Discard, br)
	}()
	var r readyInfo
	select {
	case line := <-lines:
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("gateway's first line %q: %v", line, err)
		}
	case err := <-done:
		done <- err // for the cleanup
		t.Fatalf("gateway ended before it was ready: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("gateway not ready within a minute")
	}
	return r
}

// TestLoginThenGateway is the app developer's tour: an API key, two
// commands, and curl reaches the internet through the lease's exits.
func TestLoginThenGateway(t *testing.T) {
	curl := testenv.NeedTool(t, "curl")
	info := market(t)
	mustRun(t, info.BuyerKey+"\n", "login", "--broker", info.BrokerURL, "--key-stdin")
	var leaseID string
	t.Run("create", func(t *testing.T) {
		r := startGatewayCmd(t, "--create", "--exits", "2", "--mib", "64", "--mode", "sticky")
		if r.LeaseID == "" || r.Exits != 2 || r.Mode != api.ModeSticky || !r.Created {
			t.Fatalf("gateway ready: got %+v, want a new sticky lease with 2 exits", r)
		}
		leaseID = r.LeaseID
		for _, proxy := range []string{r.SOCKS5, r.HTTP} {
			out, err := exec.Command(curl, "-sS", "--max-time", "30", "-x", proxy, info.OriginURL).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "through an exit") {
				t.Errorf("curl -x %s: got %q, %v; want the origin's greeting", proxy, out, err)
			}
		}
	})
	var l api.Lease
	decode(t, mustRun(t, "", "lease", "show", leaseID, "--json"), &l)
	if l.Status != api.LeaseClosed {
		t.Errorf("lease %s after the gateway stopped: got %s, want closed", leaseID, l.Status)
	}
	t.Run("existing lease", func(t *testing.T) {
		// Bought with "lease create", whose buyer key the gateway finds
		// next to the login and countersigns receipts with.
		var bought api.Lease
		decode(t, mustRun(t, "", "lease", "create", "--json", "--mib", "64"), &bought)
		if bought.BuyerKey == "" {
			t.Fatalf("lease create: %+v has no buyer key", bought)
		}
		r := startGatewayCmd(t, "--lease", bought.ID, "--http", "")
		if r.LeaseID != bought.ID || r.HTTP != "" || r.Created {
			t.Fatalf("gateway ready: got %+v, want lease %s over SOCKS5 only", r, bought.ID)
		}
		out, err := exec.Command(curl, "-sS", "--max-time", "30", "-x", r.SOCKS5, info.OriginURL).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "through an exit") {
			t.Errorf("curl: got %q, %v", out, err)
		}
	})
	if _, err := run(t, "", "gateway", "--lease", info.LeaseID, "--create"); err == nil {
		t.Errorf("gateway with both --lease and --create succeeded")
	}
	// The demo's lease was bought elsewhere with a buyer key this machine
	// does not hold: a gateway that cannot countersign is refused at once
	// rather than cut by the exits after a window.
	if _, err := run(t, "", "gateway", "--lease", info.LeaseID); err == nil || !strings.Contains(err.Error(), "buyer key") {
		t.Errorf("gateway for a lease bought elsewhere: got %v, want a refusal naming the buyer key", err)
	}
}
