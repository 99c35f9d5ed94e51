package bench

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/internal/pgtest"
	"github.com/sparelink/sparelink/internal/soak"
	"github.com/sparelink/sparelink/internal/testenv"
)

// TestReplicaRun measures a small fleet behind one, two and three broker
// replicas on one PostgreSQL and checks every row: name, unit, a positive
// rate, the one-replica baseline and a positive ratio. ReplicaRun itself
// fails if the ledger does not balance through every replica afterwards.
func TestReplicaRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cfg := ReplicaConfig{Nodes: soak.N(2000, 100_000), Duration: soak.Duration(300*time.Millisecond, 5*time.Second), Workers: 3}
	rows, err := ReplicaRun(ctx, cfg, zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)))
	if errors.Is(err, pgtest.ErrMissing) {
		if testenv.InCI() {
			t.Fatalf("ReplicaRun: %v; CI must install PostgreSQL", err)
		}
		t.Skipf("SKIPPED, NOT TESTED: %v", err)
	}
	if err != nil {
		t.Fatalf("ReplicaRun: %v", err)
	}
	label := nodesLabel(cfg.Nodes)
	var want []Result
	for k := 1; k <= 3; k++ {
		for _, m := range []struct{ metric, unit string }{{"heartbeat", "heartbeats/s"}, {"lease_create", "leases/s"}} {
			r := Result{Name: fmt.Sprintf("broker_%s_postgres_%dreplica_%s", m.metric, k, label), Unit: m.unit}
			if k > 1 {
				r.Baseline = fmt.Sprintf("broker_%s_postgres_1replica_%s", m.metric, label)
			}
			want = append(want, r)
		}
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i, w := range want {
		r := rows[i]
		if r.Name != w.Name || r.Unit != w.Unit || r.Baseline != w.Baseline {
			t.Errorf("row %d: got %s in %s against %q, want %s in %s against %q", i, r.Name, r.Unit, r.Baseline, w.Name, w.Unit, w.Baseline)
		}
		if r.Value <= 0 || (w.Baseline != "" && r.Ratio <= 0) {
			t.Errorf("%s: got value %v ratio %v, want positive ones", r.Name, r.Value, r.Ratio)
		}
	}
}

// TestReplicaResults checks naming and baselines on fixed figures.
func TestReplicaResults(t *testing.T) {
	figs := []replicaFigure{
		{"heartbeat", "heartbeats/s", 1, 100}, {"lease_create", "leases/s", 1, 40},
		{"heartbeat", "heartbeats/s", 2, 150}, {"lease_create", "leases/s", 2, 30},
	}
	got := replicaResults(figs, 100_000)
	want := []Result{
		{Name: "broker_heartbeat_postgres_1replica_100k", Value: 100, Unit: "heartbeats/s"},
		{Name: "broker_lease_create_postgres_1replica_100k", Value: 40, Unit: "leases/s"},
		{Name: "broker_heartbeat_postgres_2replica_100k", Value: 150, Unit: "heartbeats/s",
			Baseline: "broker_heartbeat_postgres_1replica_100k", Ratio: 1.5},
		{Name: "broker_lease_create_postgres_2replica_100k", Value: 30, Unit: "leases/s",
			Baseline: "broker_lease_create_postgres_1replica_100k", Ratio: 0.75},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}
