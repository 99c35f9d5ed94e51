package meter

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

func TestCounterConcurrentAdds(t *testing.T) {
	const workers, adds = 8, 1000
	var c Counter
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range adds {
				c.AddUp(int64(w + 1))
				c.AddDown(int64(i % 7))
				_ = c.Totals() // reads race with writes
			}
		}()
	}
	wg.Wait()
	var wantUp, wantDown int64
	for w := range workers {
		wantUp += int64(w+1) * adds
	}
	for i := range adds {
		wantDown += int64(i%7) * workers
	}
	got := c.Totals()
	if got.Up != wantUp || got.Down != wantDown {
		t.Fatalf("totals: got up %d down %d, want up %d down %d", got.Up, got.Down, wantUp, wantDown)
	}
	if got.Sum() != wantUp+wantDown {
		t.Errorf("Sum: got %d, want %d", got.Sum(), wantUp+wantDown)
	}
}

func TestMeterLeaseSharesCounter(t *testing.T) {
	const workers, adds = 8, 500
	var m Meter // the zero value is ready
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range adds {
				id := fmt.Sprintf("ls_%d", i%3)
				m.Lease(id).AddUp(1)
				m.Lease(id).AddDown(2)
				if i%50 == 0 {
					_ = m.Snapshot()
					_ = m.LeaseIDs()
				}
			}
		}()
	}
	wg.Wait()
	snap := m.Snapshot()
	var sum Totals
	for id, got := range snap {
		if got.Down != 2*got.Up {
			t.Errorf("lease %s: got up %d down %d, want down twice up", id, got.Up, got.Down)
		}
		sum.Up += got.Up
		sum.Down += got.Down
	}
	if want := (Totals{Up: workers * adds, Down: 2 * workers * adds}); sum != want {
		t.Errorf("sum over leases: got %+v, want %+v", sum, want)
	}
	if len(snap) != 3 {
		t.Errorf("snapshot holds %d leases, want 3", len(snap))
	}
}

func TestMeterSnapshotLeaseIDsForget(t *testing.T) {
	tests := []struct {
		name    string
		adds    map[string]Totals
		forget  []string
		wantIDs []string
	}{
		{name: "empty", wantIDs: []string{}},
		{
			name:    "sorted IDs",
			adds:    map[string]Totals{"ls_c": {1, 2}, "ls_a": {3, 4}, "ls_b": {0, 0}},
			wantIDs: []string{"ls_a", "ls_b", "ls_c"},
		},
		{
			name:    "forget one",
			adds:    map[string]Totals{"ls_a": {5, 6}, "ls_b": {7, 8}},
			forget:  []string{"ls_a"},
			wantIDs: []string{"ls_b"},
		},
		{
			name:    "forget unknown",
			adds:    map[string]Totals{"ls_a": {1, 1}},
			forget:  []string{"ls_zz"},
			wantIDs: []string{"ls_a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Meter
			for id, v := range tt.adds {
				c := m.Lease(id)
				c.AddUp(v.Up)
				c.AddDown(v.Down)
			}
			for _, id := range tt.forget {
				m.Forget(id)
			}
			if got := m.LeaseIDs(); !slices.Equal(got, tt.wantIDs) {
				t.Errorf("LeaseIDs: got %v, want %v", got, tt.wantIDs)
			}
			snap := m.Snapshot()
			if len(snap) != len(tt.wantIDs) {
				t.Errorf("Snapshot: got %d leases, want %d", len(snap), len(tt.wantIDs))
			}
			for _, id := range tt.wantIDs {
				if got := snap[id]; got != tt.adds[id] {
					t.Errorf("Snapshot[%s]: got %+v, want %+v", id, got, tt.adds[id])
				}
			}
		})
	}
}

func TestMeterForgetStartsAgain(t *testing.T) {
	var m Meter
	old := m.Lease("ls_a")
	old.AddUp(10)
	m.Forget("ls_a")
	fresh := m.Lease("ls_a")
	if fresh == old {
		t.Fatalf("Lease after Forget returned the forgotten counter")
	}
	if got := fresh.Totals(); got != (Totals{}) {
		t.Errorf("counter after Forget: got %+v, want zero", got)
	}
	// A snapshot is a copy: later counting does not change it.
	snap := m.Snapshot()
	fresh.AddDown(3)
	if got := snap["ls_a"]; got != (Totals{}) {
		t.Errorf("snapshot changed after it was taken: got %+v", got)
	}
}
