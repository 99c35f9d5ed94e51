package quicexit

import (
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// resources is what the process holds: what a soak must give back.
type resources struct {
	goroutines int
	fds        int
	heap       uint64 // bytes in use by the heap after a collection
}

// measure takes the process's resources after a garbage collection.
func measure(t testing.TB) resources {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatalf("count open files: %v", err)
	}
	return resources{goroutines: runtime.NumGoroutine(), fds: len(fds), heap: ms.HeapInuse}
}

// Slack allowed when resources return to their baseline: the runtime's
// own goroutines and files come and go, and the heap keeps some pools.
const (
	slackFDs  = 4
	slackHeap = 32 << 20
)

// wantBaseline registers a check, run after every cleanup registered
// later (the exit's, the clients'), that goroutines, open files and the
// heap are back where they were when it was called.
func wantBaseline(t *testing.T) {
	t.Helper()
	base := measure(t)
	t.Cleanup(func() {
		var now resources
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			now = measure(t)
			if now.back(base) || time.Now().After(deadline) {
				break
			}
		}
		if !now.back(base) {
			t.Errorf("resources after the soak: got %d goroutines, %d files, %d heap bytes; want at most %d, %d, %d",
				now.goroutines, now.fds, now.heap, base.goroutines, base.fds+slackFDs, base.heap+slackHeap)
		}
	})
}

func (r resources) back(base resources) bool {
	return r.goroutines <= base.goroutines && r.fds <= base.fds+slackFDs && r.heap <= base.heap+slackHeap
}
