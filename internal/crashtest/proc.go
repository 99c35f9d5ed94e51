package crashtest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.uber.org/zap"
)

// Config says how to run one broker process. The zero value of each field
// but Binary is its documented default.
type Config struct {
	// Binary is the broker command, as Build returns it.
	Binary string
	// DataDir holds the broker's keys; zero: a directory the caller must
	// name, so it is required in practice.
	DataDir string
	// Store is the --store URL; zero: the broker's default in DataDir.
	Store string
	// Listen is the HTTP address; zero: 127.0.0.1:0.
	Listen string
	// Args are more flags, appended as they are.
	Args []string
	// StartTimeout bounds the wait for the broker to listen; zero: 30s.
	StartTimeout time.Duration
}

// ErrNotStarted means the broker exited or timed out before it listened.
var ErrNotStarted = errors.New("broker did not start")

// tailLines is how many of the broker's log lines a Proc keeps.
const tailLines = 40

// Proc is one running broker process.
type Proc struct {
	cmd  *exec.Cmd
	url  string
	dir  string
	done chan struct{} // closed when the process has been reaped
	err  error         // its exit status, set before done closes

	mu   sync.Mutex
	tail []string
}

// Start runs the broker and returns once it accepts connections.
func Start(ctx context.Context, cfg Config, log *zap.Logger) (*Proc, error) {
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 30 * time.Second
	}
	args := []string{"--listen", cfg.Listen, "--data-dir", cfg.DataDir, "--log-format", "json"}
	if cfg.Store != "" {
		args = append(args, "--store", cfg.Store)
	}
	// #nosec G204 -- the binary is the one Build compiled; the flags are
	// the caller's test settings.
	cmd := exec.Command(cfg.Binary, append(args, cfg.Args...)...)
	cmd.Env = withoutKnobs(os.Environ())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("start broker: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start broker: %w", err)
	}
	p := &Proc{cmd: cmd, dir: cfg.DataDir, done: make(chan struct{})}
	ready := make(chan string, 1)
	go p.readLog(stderr, ready, log)
	go func() { p.err = cmd.Wait(); close(p.done) }()
	return p, p.await(ctx, ready, cfg.StartTimeout)
}

// withoutKnobs drops SPARELINK_* variables, so that a developer's shell
// settings do not change the broker under test.
func withoutKnobs(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "SPARELINK_") {
			out = append(out, kv)
		}
	}
	return out
}

// await waits for the broker's "listening" line.
func (p *Proc) await(ctx context.Context, ready <-chan string, timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case p.url = <-ready:
		return nil
	case <-p.done:
		return fmt.Errorf("%w: exited (%v); log:\n%s", ErrNotStarted, p.err, p.Tail())
	case <-t.C:
	case <-ctx.Done():
	}
	p.Kill()
	return fmt.Errorf("%w within %s; log:\n%s", ErrNotStarted, timeout, p.Tail())
}

// readLog keeps the last lines of the broker's JSON log, passes them to
// log at debug level, and sends the URL once the broker listens.
func (p *Proc) readLog(r io.Reader, ready chan<- string, log *zap.Logger) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		p.keep(line)
		log.Debug("broker", zap.String("line", line))
		var rec struct{ Msg, URL string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "broker listening" && rec.URL != "" {
			ready <- rec.URL
		}
	}
}

func (p *Proc) keep(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tail = append(p.tail, line)
	if len(p.tail) > tailLines {
		p.tail = p.tail[len(p.tail)-tailLines:]
	}
}

// Tail returns the broker's last log lines.
func (p *Proc) Tail() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.tail, "\n")
}

// URL is the broker's base URL, e.g. http://127.0.0.1:41234.
func (p *Proc) URL() string { return p.url }

// AdminKey reads the first admin key the broker wrote on its first start.
func (p *Proc) AdminKey() (string, error) {
	b, err := os.ReadFile(filepath.Join(p.dir, "admin.key"))
	if err != nil {
		return "", fmt.Errorf("admin key: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// Kill sends SIGKILL and waits until the process is gone. It is safe to
// call more than once and after the process exited.
func (p *Proc) Kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Stop asks the broker to shut down (SIGTERM) and waits up to 15s before
// it kills it. It returns the exit status of a broker that stopped itself.
func (p *Proc) Stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.err
	case <-time.After(15 * time.Second):
		p.Kill()
		return fmt.Errorf("broker ignored SIGTERM for 15s; killed")
	}
}
