package crashtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sparelink/sparelink/internal/pgtest"
	"github.com/sparelink/sparelink/internal/soak"
)

// Shape of a crash run.
const (
	workers  = 4
	minAlive = 20 * time.Millisecond  // shortest life of a broker process
	maxAlive = 250 * time.Millisecond // longest
)

// seedEnv replays a run: its value is the seed a failed run printed.
const seedEnv = "SPARELINK_CRASH_SEED"

// TestCrash kills the broker with SIGKILL over and over under a mixed
// workload, on each store engine, and audits the books after every
// restart.
func TestCrash(t *testing.T) {
	engines := []struct {
		name  string
		store func(t testing.TB) string
	}{
		{"sqlite", func(testing.TB) string { return "" }},
		{"postgres", pgtest.URL},
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			runCrash(t, e.store(t), soak.N(30, 300), crashSeed(t))
		})
	}
}

// crashSeed is the run's seed, from seedEnv or the clock; it is logged so
// that a failure can be replayed.
func crashSeed(t *testing.T) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv(seedEnv); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", seedEnv, v, err)
		}
		seed = s
	}
	t.Logf("seed %d (replay the workload with %s=%d)", seed, seedEnv, seed)
	return seed
}

func runCrash(t *testing.T, store string, kills int, seed uint64) {
	m, p := newMarket(t, store)
	ws := make([]*worker, workers)
	for i := range ws {
		id, key := m.account(t, p, "buyer")
		ws[i] = &worker{id: i, rng: rand.New(rand.NewPCG(seed, uint64(i))), book: newLedgerBook(i),
			buyerID: id, key: key, opKey: m.opKey, nodes: m.nodes}
	}
	rng := rand.New(rand.NewPCG(seed, 1<<32))
	var reads int
	for i := range kills {
		audit(t, m, p, ws, fmt.Sprintf("after restart %d", i))
		alive := minAlive + time.Duration(rng.Int64N(int64(maxAlive-minAlive)))
		reads += round(t, m, p, ws, alive)
		p = m.start(t)
	}
	audit(t, m, p, ws, "at the end")
	report(t, ws, kills, reads)
}

// clientsFor are worker w's clients of broker p.
func (m *market) clientsFor(p *Proc, w *worker) clients {
	return clients{admin: newClient(p.URL(), m.adminKey), buyer: newClient(p.URL(), w.key),
		op: newClient(p.URL(), m.opKey)}
}

// audit checks the books of every buyer and the operator on p.
func audit(t *testing.T, m *market, p *Proc, ws []*worker, when string) {
	t.Helper()
	ctx := context.Background()
	admin := clients{admin: newClient(p.URL(), m.adminKey)}
	if err := auditLedger(ctx, admin); err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	var sum books
	for _, w := range ws {
		if err := auditWorker(ctx, m.clientsFor(p, w), w, &sum); err != nil {
			t.Fatalf("%s: %v", when, err)
		}
	}
	b, err := admin.admin.BalanceOf(ctx, m.opID)
	if err != nil {
		t.Fatalf("%s: operator balance: %v", when, err)
	}
	if want := sum.charged - sum.fees; b.EarnedMicros != want {
		t.Fatalf("%s: operator earned: got %d, want %d (charged %d less fees %d)", when, b.EarnedMicros, want, sum.charged, sum.fees)
	}
}

// round runs the workers and a ledger reader against p for alive, then
// kills p with SIGKILL under them. It returns how many consistent ledger
// reads the reader made.
func round(t *testing.T, m *market, p *Proc, ws []*worker, alive time.Duration) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var dead atomic.Bool
	var wg sync.WaitGroup
	errs := make([]error, len(ws)+1)
	for i, w := range ws {
		wg.Go(func() {
			if err := w.round(ctx, m.clientsFor(p, w), &dead); !errors.Is(err, errDead) {
				errs[i] = err
			}
		})
	}
	var reads int
	wg.Go(func() { reads, errs[len(ws)] = reader(ctx, clients{admin: newClient(p.URL(), m.adminKey)}, &dead) })
	time.Sleep(alive)
	dead.Store(true)
	p.Kill()
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("round killed after %v: %v\nbroker log:\n%s", alive, err, p.Tail())
	}
	return reads
}

// reader audits the ledger while the workers run: every answer it gets
// must show the books in balance (the sum of every book is the constant
// zero), whatever was in flight.
func reader(ctx context.Context, c clients, dead *atomic.Bool) (int, error) {
	n := 0
	for !dead.Load() && ctx.Err() == nil {
		err := auditLedger(ctx, c)
		if err != nil && !dead.Load() {
			return n, fmt.Errorf("concurrent reader: %w", err)
		}
		if err == nil {
			n++
		}
	}
	return n, nil
}

// report logs what the run did, so a passing run shows its coverage.
func report(t *testing.T, ws []*worker, kills, reads int) {
	t.Helper()
	var ops [4]int
	var gone int
	for _, w := range ws {
		for k, n := range w.ops {
			ops[k] += n
		}
		for _, c := range w.book.credits {
			gone += btoi(c.state == lost)
		}
		for _, l := range w.book.leases {
			gone += btoi(l.state == lost)
		}
	}
	t.Logf("%d kills: %d credits, %d leases, %d receipts, %d closes acknowledged; %d lost with the broker; %d concurrent ledger reads",
		kills, ops[opCredit], ops[opLease], ops[opReceipt], ops[opClose], gone, reads)
	if ops[opCredit] == 0 || ops[opLease] == 0 || ops[opReceipt] == 0 || ops[opClose] == 0 || reads == 0 {
		t.Errorf("workload too thin to prove anything: got %v operations by kind and %d reads, want some of each", ops, reads)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
