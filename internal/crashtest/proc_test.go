package crashtest

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
)

// TestStartRefusals checks that a broker that cannot start is reported
// as such, with its log, instead of being waited for.
func TestStartRefusals(t *testing.T) {
	bin := brokerBinary(t)
	tests := []struct {
		name    string
		cfg     Config
		wantNot bool // the error wraps ErrNotStarted
	}{
		{"unknown store scheme", Config{Binary: bin, Store: "mysql://broker@127.0.0.1/db"}, true},
		{"unknown flag", Config{Binary: bin, Args: []string{"--no-such-flag"}}, true},
		{"no binary", Config{Binary: filepath.Join(t.TempDir(), "missing")}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.DataDir = t.TempDir()
			p, err := Start(context.Background(), tc.cfg, zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)))
			if err == nil {
				p.Kill()
				t.Fatalf("Start: got a running broker at %s, want an error", p.URL())
			}
			if got := errors.Is(err, ErrNotStarted); got != tc.wantNot {
				t.Errorf("Start: got error %v (ErrNotStarted: %v), want ErrNotStarted: %v", err, got, tc.wantNot)
			}
		})
	}
}

// TestStopAndKill checks both ways a test ends a broker: SIGTERM lets it
// shut down cleanly (exit status 0), SIGKILL does not, and either may be
// repeated.
func TestStopAndKill(t *testing.T) {
	cfg := Config{Binary: brokerBinary(t), DataDir: t.TempDir(), Args: brokerArgs}
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	p, err := Start(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	if key, err := p.AdminKey(); err != nil || key == "" {
		t.Errorf("AdminKey: got %q, %v; want the first admin key", key, err)
	}
	if err := p.Stop(); err != nil {
		t.Errorf("Stop: got %v, want a clean exit", err)
	}
	p.Kill() // after exit: a no-op
	p, err = Start(context.Background(), cfg, log)
	if err != nil {
		t.Fatalf("restart on the same data: %v", err)
	}
	p.Kill()
	p.Kill()
	if err := p.Stop(); err == nil {
		t.Errorf("Stop after SIGKILL: got nil, want the kill's exit status")
	}
}
