package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// inNetns runs fn on an OS thread moved into the named network namespace,
// so that the sockets fn opens belong to it; they stay there afterwards.
// A thread that cannot move back is never unlocked, and the runtime ends
// it with its goroutine instead of reusing it in the wrong namespace.
func inNetns(ns string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		back, err := switchAndRun(ns, fn)
		if back {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

// switchAndRun runs fn inside ns; back reports whether the thread is in
// its own namespace again.
func switchAndRun(ns string, fn func() error) (back bool, err error) {
	home, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return true, fmt.Errorf("open this thread's network namespace: %w", err)
	}
	defer home.Close()
	target, err := os.Open(filepath.Join("/run/netns", ns))
	if err != nil {
		return true, fmt.Errorf("open network namespace %s: %w", ns, err)
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		return true, fmt.Errorf("enter network namespace %s: %w", ns, err)
	}
	err = fn()
	if serr := unix.Setns(int(home.Fd()), unix.CLONE_NEWNET); serr != nil {
		return false, fmt.Errorf("leave network namespace %s: %w", ns, serr)
	}
	return true, err
}
