package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// command is one command line a user types: a binary and, for sparelink,
// a subcommand.
type command struct {
	name string   // test name
	bin  string   // binary
	sub  []string // subcommand, if any
}

func (c command) args(more ...string) []string {
	return append(append([]string(nil), c.sub...), more...)
}

// The commands of every binary README.md lists.
var (
	cmdCLI     = command{name: binCLI, bin: binCLI}
	cmdBroker  = command{name: binBroker, bin: binBroker}
	cmdAgent   = command{name: binAgent, bin: binAgent}
	cmdRelay   = command{name: binRelay, bin: binRelay}
	cmdBench   = command{name: binBench, bin: binBench}
	cmdGateway = command{name: "sparelink gateway", bin: binCLI, sub: []string{"gateway"}}
	cmdDemo    = command{name: "sparelink demo", bin: binCLI, sub: []string{"demo"}}

	// flagOnly are the commands that do the work; they take flags and no
	// arguments.
	flagOnly    = []command{cmdBroker, cmdAgent, cmdRelay, cmdBench, cmdGateway, cmdDemo}
	allCommands = append([]command{cmdCLI}, flagOnly...)
)

func TestHelp(t *testing.T) {
	t.Parallel()
	common := []string{"--config", "--log-level", "--log-format"}
	tests := []struct {
		cmd  command
		want []string
	}{
		{cmdCLI, []string{"demo", "gateway", "--version"}},
		{cmdBroker, []string{"--listen", "--data-dir", "--store", "--fee-bps", "--version"}},
		{cmdAgent, []string{"--operator-key", "--broker", "--country", "--max-rate", "--egress-allow", "--egress-deny"}},
		{cmdRelay, []string{"--operator-key", "--broker", "--country", "--capacity", "--egress-allow"}},
		{cmdBench, []string{"--mib", "--rounds", "--out"}},
		{cmdGateway, []string{"--lease", "--key", "--socks", "--http", "SPARELINK_KEY"}},
		{cmdDemo, []string{"--json", "--keep-running", "--data-dir"}},
	}
	for _, tt := range tests {
		t.Run(tt.cmd.name, func(t *testing.T) {
			p := run(t, tt.cmd.bin, nil, tt.cmd.args("--help")...)
			if got := p.exitCode(); got != 0 {
				t.Fatalf("--help: got exit status %d, want 0", got)
			}
			out := p.stdout.String()
			for _, flag := range append(tt.want, common...) {
				if !strings.Contains(out, flag) {
					t.Errorf("--help: got no mention of %q in\n%s", flag, out)
				}
			}
		})
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	for _, bin := range []string{binCLI, binBroker, binAgent, binRelay, binBench} {
		t.Run(bin, func(t *testing.T) {
			p := run(t, bin, nil, "--version")
			if got := p.exitCode(); got != 0 {
				t.Fatalf("--version: got exit status %d, want 0", got)
			}
			out := p.stdout.String()
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], bin+" ") {
				t.Fatalf("--version: got %q, want one line starting with %q", out, bin+" ")
			}
		})
	}
}

// TestUsageErrors checks that mistakes on the command line exit with
// status 2 and a message that names the mistake, before anything starts.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, c := range allCommands {
		t.Run(c.name+"/unknown flag", func(t *testing.T) {
			p := run(t, c.bin, nil, c.args("--no-such-flag")...)
			wantFailure(t, p, 2, "--no-such-flag", "Run '"+c.name+" --help'")
		})
	}
	for _, c := range allCommands {
		t.Run(c.name+"/stray argument", func(t *testing.T) {
			p := run(t, c.bin, nil, c.args("--log-level", "warn", "stray-word")...)
			wantFailure(t, p, 2, "stray-word", "Run '"+c.name+" --help'")
		})
	}
}

// TestConfigFile checks that config files are decoded strictly: an unknown
// setting or version fails with a message naming it, from --config or
// from SPARELINK_CONFIG.
func TestConfigFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, want string
		viaEnv           bool
	}{
		{name: "unknown setting", body: `{"version": 1, "no-such-setting": 3}`, want: `"no-such-setting"`},
		{name: "unknown setting from environment", body: `{"version": 1, "lissen": "127.0.0.1:1"}`, want: `"lissen"`, viaEnv: true},
		{name: "unknown version", body: `{"version": 7}`, want: "version 7"},
		{name: "no version", body: `{"log-level": "warn"}`, want: `"version"`},
		{name: "bad value", body: `{"version": 1, "log-level": {"a": 1}}`, want: `"log-level"`},
	}
	for _, c := range flagOnly {
		for _, tt := range tests {
			t.Run(c.name+"/"+tt.name, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "config.json")
				if err := os.WriteFile(path, []byte(tt.body), 0o600); err != nil {
					t.Fatal(err)
				}
				var env, args []string
				if tt.viaEnv {
					env = []string{"SPARELINK_CONFIG=" + path}
				} else {
					args = []string{"--config", path}
				}
				p := run(t, c.bin, env, c.args(args...)...)
				wantFailure(t, p, 1, tt.want, path)
			})
		}
	}
}

// wantFailure fails the test unless p exited with status code and its
// standard error names every one of want.
func wantFailure(t *testing.T, p *proc, code int, want ...string) {
	t.Helper()
	stderr := p.stderr.String()
	if got := p.exitCode(); got != code {
		t.Fatalf("got exit status %d, want %d; stderr %q", got, code, stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("got stderr %q, want it to mention %q", stderr, w)
		}
	}
}
