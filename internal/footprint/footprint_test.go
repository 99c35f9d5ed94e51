package footprint_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/internal/bench"
	"github.com/sparelink/sparelink/internal/footprint"
	"github.com/sparelink/sparelink/internal/testenv"
)

// Rows must keep converting to the bench table's results.
var _ = bench.Result(footprint.Row{})

// tinyModule writes a module whose main sleeps, standing in for the agent
// where only the build and the measurement mechanics are under test.
func tinyModule(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":  "module tiny\n\ngo 1.22\n",
		"main.go": "package main\n\nimport (\n\t\"fmt\"\n\t\"time\"\n)\n\nfunc main() { fmt.Println(\"tiny\"); time.Sleep(time.Hour) }\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestSizesForRouterTargets cross-builds a small program for every default
// target and checks each row against its baseline.
func TestSizesForRouterTargets(t *testing.T) {
	testenv.NeedTool(t, "go")
	rows, err := footprint.Measure(context.Background(), footprint.Config{
		ModuleDir: tinyModule(t), Package: ".",
		SkipIdle: true, SkipYield: true,
	}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("Measure: %v", err)
	}
	byName := index(rows)
	for _, target := range footprint.DefaultTargets {
		base, ok1 := byName["go_minimal_size_"+target.Name()]
		tiny, ok2 := byName["agent_size_"+target.Name()]
		if !ok1 || !ok2 {
			t.Fatalf("%s: got rows %v, want a size and its baseline", target.Name(), names(rows))
		}
		checkRatio(t, tiny, base)
		if tiny.Value <= base.Value {
			t.Errorf("%s: got %.2f MiB for a program with fmt, want more than the %.2f MiB baseline", target.Name(), tiny.Value, base.Value)
		}
	}
}

// TestIdleRealAgent builds sparelink-agent, runs it against a broker of
// its own and reads its idle memory and CPU.
func TestIdleRealAgent(t *testing.T) {
	testenv.NeedTool(t, "go")
	if testing.Short() {
		t.Skip("builds and runs the agent for several seconds")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rows, err := footprint.Measure(ctx, footprint.Config{
		Idle: 2 * time.Second, SkipSizes: true, SkipYield: true,
	}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("Measure: %v", err)
	}
	byName := index(rows)
	rss, base := byName["agent_idle_rss"], byName["go_minimal_idle_rss"]
	checkRatio(t, rss, base)
	if rss.Value <= base.Value || rss.Unit != "MiB" {
		t.Errorf("got agent RSS %.2f %s, want more MiB than the idle Go program's %.2f", rss.Value, rss.Unit, base.Value)
	}
	if cpu, ok := byName["agent_idle_cpu"]; !ok || cpu.Value < 0 || cpu.Value > 100 {
		t.Errorf("got agent CPU %+v, want 0..100%% of a core", cpu)
	}
	if _, ok := byName["go_minimal_idle_cpu"]; !ok {
		t.Errorf("got rows %s, want the idle Go program's CPU beside the agent's", names(rows))
	}
}

func TestYieldSkippedWithoutHook(t *testing.T) {
	rows, err := footprint.Measure(context.Background(), footprint.Config{
		ModuleDir: t.TempDir(), SkipSizes: true, SkipIdle: true,
	}, zaptest.NewLogger(t))
	if err != nil || len(rows) != 0 {
		t.Errorf("got %v, %v; want no rows and no error when this binary cannot run the lab", names(rows), err)
	}
}

func index(rows []footprint.Row) map[string]footprint.Row {
	m := map[string]footprint.Row{}
	for _, r := range rows {
		m[r.Name] = r
	}
	return m
}

func names(rows []footprint.Row) string {
	var n []string
	for _, r := range rows {
		n = append(n, r.Name)
	}
	return strings.Join(n, ", ")
}

func checkRatio(t *testing.T, r, base footprint.Row) {
	t.Helper()
	if r.Baseline != base.Name || base.Value <= 0 {
		t.Fatalf("got %+v against %+v, want a positive baseline named in the row", r, base)
	}
	if want := r.Value / base.Value; r.Ratio < want-0.02 || r.Ratio > want+0.02 {
		t.Errorf("%s: got ratio %.2f, want %.2f", r.Name, r.Ratio, want)
	}
}
