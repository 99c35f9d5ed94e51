package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func newFlags() (*pflag.FlagSet, *string, *int, *[]string) {
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:1", "")
	rate := fs.Int("max-rate", 5, "")
	allow := fs.StringSlice("egress-allow", nil, "")
	fs.String("config", "", "")
	return fs, listen, rate, allow
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "c.json")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadConfigPrecedence(t *testing.T) {
	path := writeFile(t, `{"version":1,"listen":"127.0.0.1:3","max-rate":9,"egress-allow":["1.2.3.4:80","5.6.7.0/24"]}`)
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantListen string
		wantRate   int
	}{
		{"file only", nil, nil, "127.0.0.1:3", 9},
		{"env beats file", nil, map[string]string{"SPARELINK_LISTEN": "127.0.0.1:2"}, "127.0.0.1:2", 9},
		{"flag beats env", []string{"--listen=127.0.0.1:4"}, map[string]string{"SPARELINK_LISTEN": "127.0.0.1:2"}, "127.0.0.1:4", 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			fs, listen, rate, allow := newFlags()
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			if err := LoadConfig(fs, path); err != nil {
				t.Fatalf("LoadConfig: %v", err)
			}
			if *listen != tt.wantListen || *rate != tt.wantRate {
				t.Errorf("got listen=%q rate=%d, want %q %d", *listen, *rate, tt.wantListen, tt.wantRate)
			}
			if got := strings.Join(*allow, " "); got != "1.2.3.4:80 5.6.7.0/24" {
				t.Errorf("got egress-allow %q", got)
			}
		})
	}
}

func TestLoadConfigStrict(t *testing.T) {
	tests := []struct {
		name, body, wantErr string
	}{
		{"unknown setting", `{"version":1,"lisen":"x"}`, `unknown setting "lisen"`},
		{"missing version", `{"listen":"x"}`, `missing "version"`},
		{"future version", `{"version":2}`, `version 2 is not supported`},
		{"bad value", `{"version":1,"max-rate":"fast"}`, `setting "max-rate"`},
		{"object value", `{"version":1,"listen":{"a":1}}`, `setting "listen"`},
		{"trailing data", `{"version":1} {}`, `trailing data`},
		{"not json", `version = 1`, `invalid character`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, _, _, _ := newFlags()
			err := LoadConfig(fs, writeFile(t, tt.body))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestLoadConfigBadEnv(t *testing.T) {
	t.Setenv("SPARELINK_MAX_RATE", "lots")
	fs, _, _, _ := newFlags()
	err := LoadConfig(fs, "")
	if err == nil || !strings.Contains(err.Error(), "SPARELINK_MAX_RATE") {
		t.Errorf("got %v, want an error naming SPARELINK_MAX_RATE", err)
	}
}

func TestEnvName(t *testing.T) {
	if got, want := EnvName("log-level"), "SPARELINK_LOG_LEVEL"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
