package footprint

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"go.uber.org/zap"
)

// settleTime is how long a started process runs before its idle window
// opens, so that start-up work (key generation, registration) is left out.
const settleTime = 3 * time.Second

// measureIdle runs the baseline program and the agent, each for Idle
// after settling, and reports resident memory and CPU use.
func measureIdle(ctx context.Context, cfg Config, w *workDir, log *zap.Logger) ([]Row, error) {
	host := Target{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH}
	minDir, err := w.minimalModule()
	if err != nil {
		return nil, err
	}
	minBin, err := build(ctx, cfg.Go, minDir, ".", host, filepath.Join(w.path, "minimal-host"))
	if err != nil {
		return nil, err
	}
	base, err := watchIdle(ctx, exec.Command(minBin), cfg.Idle)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	agentBin, err := build(ctx, cfg.Go, cfg.ModuleDir, cfg.Package, host, filepath.Join(w.path, "agent-host"))
	if err != nil {
		return nil, err
	}
	agent, err := idleAgent(ctx, cfg, w, agentBin, log)
	if err != nil {
		return nil, err
	}
	baseRSS := row("go_minimal_idle_rss", float64(base.rssKiB)/1024, "MiB", nil)
	baseCPU := row("go_minimal_idle_cpu", base.cpuPct, "% of a core", nil)
	return []Row{
		baseRSS, row("agent_idle_rss", float64(agent.rssKiB)/1024, "MiB", &baseRSS),
		// An idle Go program rounds to 0% of a core, so a ratio would
		// mislead: the baseline row stands beside it for context only.
		baseCPU, row("agent_idle_cpu", agent.cpuPct, "% of a core", nil),
	}, nil
}

// idleAgent runs the agent against a broker of its own.
func idleAgent(ctx context.Context, cfg Config, w *workDir, bin string, log *zap.Logger) (idleFigures, error) {
	m, err := startMarket(ctx, filepath.Join(w.path, "broker"), log.Named("broker"))
	if err != nil {
		return idleFigures{}, err
	}
	defer m.stop()
	args := append([]string{"--data-dir", filepath.Join(w.path, "agent-data"), "--broker", m.url}, cfg.AgentArgs...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "SPARELINK_OPERATOR_KEY="+m.operatorKey)
	f, err := watchIdle(ctx, cmd, cfg.Idle)
	if err != nil {
		return f, fmt.Errorf("agent: %w", err)
	}
	log.Info("measured idle agent", zap.Int64("rss_kib", f.rssKiB), zap.Float64("cpu_pct", f.cpuPct))
	return f, nil
}

// idleFigures is what watchIdle reads.
type idleFigures struct {
	rssKiB int64
	cpuPct float64 // of one core, over the idle window
}

// watchIdle starts cmd, lets it settle, reads its CPU time over idle and
// its resident memory at the end, then stops it with SIGTERM.
func watchIdle(ctx context.Context, cmd *exec.Cmd, idle time.Duration) (idleFigures, error) {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return idleFigures{}, err
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	defer p.stop()
	pid := cmd.Process.Pid
	if err := p.sleep(ctx, settleTime, &stderr); err != nil {
		return idleFigures{}, err
	}
	before, err := readUsage(pid)
	if err != nil {
		return idleFigures{}, err
	}
	start := time.Now()
	if err := p.sleep(ctx, idle, &stderr); err != nil {
		return idleFigures{}, err
	}
	after, err := readUsage(pid)
	if err != nil {
		return idleFigures{}, err
	}
	cpu := (after.cpuSecs - before.cpuSecs) / time.Since(start).Seconds() * 100
	return idleFigures{rssKiB: after.rssKiB, cpuPct: cpu}, nil
}

// process is a started command whose exit is watched.
type process struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // of Wait, once exited is closed
}

// sleep waits d, failing if the process exits or ctx ends first.
func (p *process) sleep(ctx context.Context, d time.Duration, stderr *bytes.Buffer) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-p.exited:
		return fmt.Errorf("exited while idle (%v): %s", p.err, bytes.TrimSpace(stderr.Bytes()))
	}
}

// stop sends SIGTERM, then SIGKILL after five seconds, and waits.
func (p *process) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}
