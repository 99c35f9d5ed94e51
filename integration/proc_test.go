package integration

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// runTimeout bounds a command that is expected to finish on its own.
const runTimeout = 90 * time.Second

// proc is one running binary. Its output is captured; t.Cleanup kills it if
// it is still running and logs its output when the test failed.
type proc struct {
	name           string
	cmd            *exec.Cmd
	stdout, stderr syncBuffer
	done           chan struct{} // closed once the process has exited
}

// start runs binary name with args in a fresh working directory. env holds
// extra KEY=value pairs; SPARELINK_* and proxy variables of the test's own
// environment are not passed on, so only what the test sets applies.
func start(t *testing.T, name string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, done: make(chan struct{})}
	p.cmd = exec.Command(binary(t, name), args...)
	p.cmd.Dir = t.TempDir()
	p.cmd.Env = append(cleanEnv(), env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	t.Logf("start %s %s (env %s)", name, strings.Join(args, " "), strings.Join(env, " "))
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.cleanup(t) })
	return p
}

// run starts binary name and waits for it to exit on its own.
func run(t *testing.T, name string, env []string, args ...string) *proc {
	t.Helper()
	p := start(t, name, env, args...)
	if !p.wait(runTimeout) {
		t.Fatalf("%s %s: still running after %v", name, strings.Join(args, " "), runTimeout)
	}
	return p
}

// wait reports whether the process exited within d.
func (p *proc) wait(d time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(d):
		return false
	}
}

// exitCode is the process's exit status; -1 while it runs or when a signal
// killed it.
func (p *proc) exitCode() int {
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	default:
		return -1
	}
}

// stop sends sig and fails the test unless the process exits with status 0
// within d.
func (p *proc) stop(t *testing.T, sig os.Signal, d time.Duration) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("signal %s: %v", p.name, err)
	}
	began := time.Now()
	if !p.wait(d) {
		t.Fatalf("%s: still running %v after %v", p.name, d, sig)
	}
	if got := p.exitCode(); got != 0 {
		t.Fatalf("%s after %v: got exit status %d, want 0", p.name, sig, got)
	}
	t.Logf("%s stopped by %v in %v", p.name, sig, time.Since(began).Round(time.Millisecond))
}

func (p *proc) cleanup(t *testing.T) {
	select {
	case <-p.done:
	default:
		p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.done
	}
	if t.Failed() {
		t.Logf("%s exit status %d\n--- %s stdout ---\n%s\n--- %s stderr ---\n%s",
			p.name, p.exitCode(), p.name, tail(p.stdout.String()), p.name, tail(p.stderr.String()))
	}
}

// tail keeps the end of long output, where the trouble usually is.
func tail(s string) string {
	const max = 16 << 10
	if len(s) <= max {
		return s
	}
	return "…" + s[len(s)-max:]
}

// cleanEnv is the test's environment without SpareLink settings and proxy
// settings, which would change what the binaries and curl do.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		upper := strings.ToUpper(name)
		if strings.HasPrefix(upper, "SPARELINK_") || strings.HasSuffix(upper, "_PROXY") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// syncBuffer is a bytes.Buffer safe for the process's writes and the test's
// reads at the same time.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// eventually calls check every 100ms until it returns nil, and fails the
// test with check's last error when d has passed.
func eventually(t *testing.T, d time.Duration, what string, check func(context.Context) error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := check(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v: %v", what, d, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
