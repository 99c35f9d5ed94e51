package sim

import (
	"context"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
)

// TestReplay runs each configuration twice with one seed: the traces of
// every action and outcome must match, or a failing seed could not be
// replayed.
func TestReplay(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"defaults", Config{Seed: 7, Steps: 60}},
		{"one replica, no faults", Config{Seed: 11, Steps: 60, Replicas: 1, DropPct: -1, DupPct: -1, ReorderPct: -1}},
		{"lossy network, skewed clocks", Config{Seed: 13, Steps: 60, DropPct: 40, DupPct: 30, ReorderPct: 20, ReplicaSkew: 30e9}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var traces [2]Result
			for i := range traces {
				cfg := tc.cfg
				cfg.Dir = t.TempDir()
				res, err := Run(context.Background(), cfg, zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)))
				if err != nil {
					t.Fatalf("run %d: %v", i, err)
				}
				traces[i] = res
			}
			if traces[0] != traces[1] {
				t.Errorf("seed %d: got %+v on the second run, want %+v as on the first", tc.cfg.Seed, traces[1], traces[0])
			}
			if traces[0].Receipts == 0 || traces[0].Leases == 0 {
				t.Errorf("seed %d did nothing worth replaying: %+v", tc.cfg.Seed, traces[0])
			}
		})
	}
}

// TestFaultsOff checks that negative rates turn the network's faults
// off: nothing is dropped, duplicated or held back.
func TestFaultsOff(t *testing.T) {
	cfg := Config{Seed: 3, Steps: 60, Dir: t.TempDir(), DropPct: -1, DupPct: -1, ReorderPct: -1}
	res, err := Run(context.Background(), cfg, zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)))
	if err != nil {
		t.Fatal(err)
	}
	if res.Dropped != 0 || res.Duplicated != 0 || res.Reordered != 0 {
		t.Errorf("got %d dropped, %d duplicated, %d reordered; want none", res.Dropped, res.Duplicated, res.Reordered)
	}
	if res.Receipts == 0 {
		t.Errorf("got no receipts settled; want some")
	}
}

// TestConfigRequiresDir checks that a run without a directory for its
// store is refused before it starts.
func TestConfigRequiresDir(t *testing.T) {
	if _, err := Run(context.Background(), Config{Seed: 1}, zap.NewNop()); err == nil {
		t.Errorf("Run without Dir: got nil error, want one")
	}
}
