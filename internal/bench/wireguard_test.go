package bench

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
)

// TestWireGuardRun takes the WireGuard rows with small transfers: both
// throughputs positive and the exit compared with the stock tunnel, or,
// where the lab cannot be built, both rows marked skipped. Either way
// nothing of the lab is left behind.
func TestWireGuardRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	results, err := WireGuardRun(ctx, Config{Bytes: 2 << 20, Rounds: 1}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("WireGuardRun: %v", err)
	}
	want := []struct{ name, baseline string }{
		{rowStockWireGuard, ""},
		{rowRootlessExit, rowStockWireGuard},
	}
	if len(results) != len(want) {
		t.Fatalf("got %d results, want %d: %+v", len(results), len(want), results)
	}
	possible := wireGuardLabPossible()
	for i, w := range want {
		r := results[i]
		t.Logf("%s: %.1f %s (ratio %.2f)", r.Name, r.Value, r.Unit, r.Ratio)
		switch {
		case r.Name != w.name:
			t.Errorf("result %d: got %s, want %s", i, r.Name, w.name)
		case !possible && r.Unit != WireGuardSkipped:
			t.Errorf("%s without root or wireguard-go: got unit %q, want %q", r.Name, r.Unit, WireGuardSkipped)
		case !possible:
		case r.Unit != "MB/s" || r.Value <= 0 || r.Baseline != w.baseline:
			t.Errorf("%s: got %v %s against %q, want a positive MB/s against %q", r.Name, r.Value, r.Unit, r.Baseline, w.baseline)
		case w.baseline != "" && r.Ratio <= 0:
			t.Errorf("%s: got ratio %v, want a positive ratio", r.Name, r.Ratio)
		}
	}
	if possible {
		checkLabGone(t)
	}
}

// checkLabGone fails the test if a namespace or host link of this
// process's lab is left.
func checkLabGone(t *testing.T) {
	t.Helper()
	lab, err := newWGLab()
	if err != nil {
		t.Fatalf("lab names: %v", err)
	}
	_ = lab.close()
	for _, args := range [][]string{{"netns", "list"}, {"link", "show"}} {
		out, err := exec.Command("ip", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		for _, name := range []string{"slbench-wg-" + lab.id, "slbw" + lab.id} {
			if strings.Contains(string(out), name) {
				t.Errorf("ip %s still shows %s after the run:\n%s", strings.Join(args, " "), name, out)
			}
		}
	}
}
