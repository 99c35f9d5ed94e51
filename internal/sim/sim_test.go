package sim

import (
	"context"
	"errors"
	"flag"
	"os"
	"strconv"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/internal/soak"
)

// seedFlag replays one seed: go test ./internal/sim -run TestSim -seed N.
var seedFlag = flag.Uint64("seed", 0, "replay this simulation seed only")

// seedEnv does what -seed does, for runs through make.
const seedEnv = "SPARELINK_SIM_SEED"

// seeds are the seeds to run: the one asked for, or a fresh batch.
func seeds(t *testing.T) []uint64 {
	t.Helper()
	if *seedFlag != 0 {
		return []uint64{*seedFlag}
	}
	if v := os.Getenv(seedEnv); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", seedEnv, v, err)
		}
		return []uint64{s}
	}
	base := uint64(time.Now().UnixNano())
	out := make([]uint64, soak.N(2, 40))
	for i := range out {
		out[i] = base + uint64(i)
	}
	return out
}

// TestSim plays fresh seeds (or the one given) and fails with the seed
// and step of any broken invariant.
func TestSim(t *testing.T) {
	for _, seed := range seeds(t) {
		cfg := Config{Seed: seed, Dir: t.TempDir(), Steps: soak.N(200, 5000),
			Nodes: soak.N(0, 60), Buyers: soak.N(0, 30), Operators: soak.N(0, 8)}
		res, err := Run(context.Background(), cfg, zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)))
		var v *Violation
		if errors.As(err, &v) {
			t.Fatalf("%v\nreplay: go test ./internal/sim -run 'TestSim$' -seed %d (or %s=%d)", err, seed, seedEnv, seed)
		}
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		t.Logf("seed %d: %+v", seed, res)
		if res.Applied == 0 || res.Replayed == 0 || res.Leases == 0 || res.Dropped == 0 || res.Duplicated == 0 {
			t.Errorf("seed %d exercised too little to prove anything: %+v", seed, res)
		}
	}
}
