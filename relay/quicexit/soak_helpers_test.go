package quicexit

import (
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"
)

// resources is what the process holds: what a soak must give back.
type resources struct {
	goroutines int
	fds        int
	heap       uint64 // bytes in use by the heap after a collection, reported only
	rss        uint64 // resident set, bytes
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
	return resources{goroutines: runtime.NumGoroutine(), fds: len(fds), heap: ms.HeapInuse, rss: rss(t)}
}

// rss reads the process's resident set size from /proc/self/status.
func rss(t testing.TB) uint64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatalf("read resident set size: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		if kb, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(kb), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("parse %q: %v", line, err)
			}
			return n << 10
		}
	}
	t.Fatalf("no VmRSS line in /proc/self/status")
	return 0
}

// Slack allowed when resources return to their baseline: the runtime's
// own goroutines and files come and go, and the heap keeps some pools.
const (
	slackFDs = 4
	// slackRSS is generous: the runtime returns freed memory to the
	// system lazily, and the race detector keeps shadow memory. The
	// resident set may at most double, plus this.
	slackRSS = 128 << 20
)

// wantBaseline registers a check, run after every cleanup registered
// later (the exit's, the clients'), that goroutines, open files and the
// resident set are back where they were when it was called.
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
			t.Errorf("resources after the soak: got %d goroutines, %d files, %d resident bytes; want at most %d, %d, %d",
				now.goroutines, now.fds, now.rss, base.goroutines, base.fds+slackFDs, 2*base.rss+slackRSS)
		}
		// The heap is reported, not judged: the testing package keeps
		// the finished cleanups' closures (and the client streams they
		// hold) reachable until the test ends.
		t.Logf("resources: %d goroutines, %d files, %d heap bytes, %d resident (baseline %d, %d, %d, %d)",
			now.goroutines, now.fds, now.heap, now.rss, base.goroutines, base.fds, base.heap, base.rss)
	})
}

func (r resources) back(base resources) bool {
	return r.goroutines <= base.goroutines && r.fds <= base.fds+slackFDs && r.rss <= 2*base.rss+slackRSS
}
