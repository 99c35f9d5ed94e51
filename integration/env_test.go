package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestBrokerSettingSources starts the broker with its listen address and
// data directory set from flags, SPARELINK_* variables and a config file,
// and checks which one wins: flags, then environment, then file.
func TestBrokerSettingSources(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// Each gets the chosen address and data dir and returns the
		// environment and arguments that should select them.
		setup func(t *testing.T, addr, dir string) (env, args []string)
	}{
		{"environment", func(t *testing.T, addr, dir string) ([]string, []string) {
			return []string{"SPARELINK_LISTEN=" + addr, "SPARELINK_DATA_DIR=" + dir}, nil
		}},
		{"config file", func(t *testing.T, addr, dir string) ([]string, []string) {
			cfg := writeConfig(t, `{"version": 1, "listen": %q, "data-dir": %q}`, addr, dir)
			return nil, []string{"--config", cfg}
		}},
		{"config file from environment", func(t *testing.T, addr, dir string) ([]string, []string) {
			cfg := writeConfig(t, `{"version": 1, "listen": %q, "data-dir": %q}`, addr, dir)
			return []string{"SPARELINK_CONFIG=" + cfg}, nil
		}},
		{"environment over file", func(t *testing.T, addr, dir string) ([]string, []string) {
			cfg := writeConfig(t, `{"version": 1, "listen": %q, "data-dir": %q}`, freeAddr(t), t.TempDir())
			return []string{"SPARELINK_LISTEN=" + addr, "SPARELINK_DATA_DIR=" + dir}, []string{"--config", cfg}
		}},
		{"flags over environment", func(t *testing.T, addr, dir string) ([]string, []string) {
			return []string{"SPARELINK_LISTEN=" + freeAddr(t), "SPARELINK_DATA_DIR=" + t.TempDir()},
				[]string{"--listen", addr, "--data-dir", dir}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, dir := freeAddr(t), filepath.Join(t.TempDir(), "broker")
			env, args := tt.setup(t, addr, dir)
			p := start(t, binBroker, env, args...)
			api := brokerAPI{base: "http://" + addr}
			eventually(t, 15*time.Second, "broker healthy at "+addr, api.healthy)
			if _, err := os.Stat(filepath.Join(dir, "admin.key")); err != nil {
				t.Errorf("admin key in the chosen data dir: %v", err)
			}
			p.stop(t, os.Interrupt, 15*time.Second)
		})
	}
}

// writeConfig writes a config file from format and args and returns its
// path.
func writeConfig(t *testing.T, format string, args ...any) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, fmt.Appendf(nil, format, args...), 0o600); err != nil {
		t.Fatalf("write config: %v", err)
	}
	return path
}
