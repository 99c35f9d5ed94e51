package yieldlab

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// The lab re-executes its own binary inside a namespace; these variables
// tell the new process which helper to be. They are internal to the lab,
// not settings.
const (
	roleEnv = "SPARELINK_YIELDLAB_ROLE"
	argsEnv = "SPARELINK_YIELDLAB_ARGS"
)

var hooked atomic.Bool

// Hook must be the first thing main (or TestMain) does in a binary that
// runs the lab. In a helper process it runs the helper and exits; in any
// other process it records that helpers can be started from this binary
// and returns.
func Hook() {
	role := os.Getenv(roleEnv)
	if role == "" {
		hooked.Store(true)
		return
	}
	os.Exit(runHelper(role, os.Getenv(argsEnv)))
}

// runHelper runs role until its standard input closes, which is how the
// lab stops it (and how it stops if the lab dies).
func runHelper(role, rawArgs string) int {
	var a roleArgs
	dec := json.NewDecoder(bytes.NewReader([]byte(rawArgs)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		fmt.Fprintf(os.Stderr, "yieldlab %s: arguments: %v\n", role, err)
		return 2
	}
	log, err := zap.NewDevelopment()
	if err != nil {
		log = zap.NewNop()
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	if err := runRole(ctx, role, a, &emitter{w: os.Stdout}, log.Named(role)); err != nil {
		fmt.Fprintf(os.Stderr, "yieldlab %s: %v\n", role, err)
		return 1
	}
	return 0
}

// helper is a running helper process in a namespace.
type helper struct {
	name    string
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	scanned chan struct{}
	stderr  lockedBuffer
}

// startHelper runs exe as role inside namespace ns and feeds its events to
// tl under name.
func startHelper(ns, exe, name, role string, a roleArgs, tl *timeline) (*helper, error) {
	raw, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	h := &helper{name: name, scanned: make(chan struct{})}
	h.cmd = exec.Command("ip", "netns", "exec", ns, exe)
	h.cmd.Env = append(os.Environ(), roleEnv+"="+role, argsEnv+"="+string(raw))
	h.cmd.Stderr = &h.stderr
	if h.stdin, err = h.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := h.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := h.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s helper: %w", name, err)
	}
	go h.scan(stdout, tl)
	return h, nil
}

func (h *helper) scan(r io.Reader, tl *timeline) {
	defer close(h.scanned)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		ev, err := parseEvent(sc.Text())
		if err != nil {
			fmt.Fprintf(&h.stderr, "%v\n", err)
			continue
		}
		tl.add(h.name, ev)
	}
}

// stop closes the helper's input, waits up to 5 s for it to end, kills it
// otherwise, and returns its error output if it failed.
func (h *helper) stop() error {
	h.stdin.Close()
	select {
	case <-h.scanned:
	case <-time.After(5 * time.Second):
		_ = h.cmd.Process.Kill()
		<-h.scanned
	}
	if err := h.cmd.Wait(); err != nil {
		return fmt.Errorf("%s helper: %w: %s", h.name, err, h.stderr.String())
	}
	return nil
}

// lockedBuffer collects a helper's error output.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
