package installer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparelink/sparelink/internal/testenv"
)

func TestScriptsParse(t *testing.T) {
	for _, s := range scripts {
		t.Run(s, func(t *testing.T) {
			if out, err := run(t, nil, "sh", "-n", s); err != nil {
				t.Errorf("sh -n %s: %v\n%s", s, err, out)
			}
		})
	}
}

func TestScriptsShellcheck(t *testing.T) {
	shellcheck := testenv.NeedTool(t, "shellcheck")
	for _, s := range scripts {
		t.Run(s, func(t *testing.T) {
			if out, err := run(t, nil, shellcheck, "-s", "sh", s); err != nil {
				t.Errorf("shellcheck %s: %v\n%s", s, err, out)
			}
		})
	}
}

func TestMaintainerScriptsAreTemplates(t *testing.T) {
	for _, s := range []string{"scripts/postinstall.sh", "scripts/preremove.sh", "scripts/postremove.sh", "openwrt/postinst", "openwrt/prerm"} {
		if !strings.Contains(readFile(t, s), "@NAME@") {
			t.Errorf("%s: got no @NAME@ placeholder, want the component's name filled in by installer/packaging", s)
		}
	}
}

// unitHardening is what each unit must say, by the checklist.
var unitHardening = map[string][]string{
	"sparelink-agent.service": {
		"User=sparelink", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
		"PrivateTmp=yes", "CapabilityBoundingSet=", "AmbientCapabilities=",
		"StateDirectory=sparelink/agent", "ConfigurationDirectory=sparelink",
		"Restart=on-failure", "StartLimitBurst=5",
	},
	"sparelink-relay.service": {
		"User=sparelink", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
		"PrivateTmp=yes", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE", "AmbientCapabilities=CAP_NET_BIND_SERVICE",
		"StateDirectory=sparelink/relay", "ConfigurationDirectory=sparelink",
		"Restart=on-failure", "StartLimitBurst=5",
	},
}

func TestUnitHardening(t *testing.T) {
	for unit, want := range unitHardening {
		t.Run(unit, func(t *testing.T) {
			got := make(map[string]bool)
			for _, l := range lines(readFile(t, filepath.Join("systemd", unit))) {
				got[strings.TrimSpace(l)] = true
			}
			for _, w := range want {
				if !got[w] {
					t.Errorf("got no line %q in %s, want it", w, unit)
				}
			}
		})
	}
}

// TestUnitsVerify runs systemd-analyze verify on the units, pointed at
// freshly built binaries (verify checks that ExecStart exists).
func TestUnitsVerify(t *testing.T) {
	analyze := testenv.NeedTool(t, "systemd-analyze")
	bins := binaries(t)
	dir := t.TempDir()
	for unit := range unitHardening {
		t.Run(unit, func(t *testing.T) {
			name := strings.TrimSuffix(unit, ".service")
			text := strings.ReplaceAll(readFile(t, filepath.Join("systemd", unit)),
				"/usr/bin/"+name, filepath.Join(bins, hostTarget.FileName(name)))
			path := writeFile(t, dir, unit, text, 0o644)
			out, err := run(t, nil, analyze, "verify", "--man=no", path)
			if err != nil || strings.TrimSpace(out) != "" {
				t.Errorf("systemd-analyze verify %s: got %v and output %q, want success and no output", unit, err, out)
			}
		})
	}
}

func TestDefaultConfigsLoad(t *testing.T) {
	bins := binaries(t)
	for _, c := range []string{"agent", "relay"} {
		t.Run(c, func(t *testing.T) {
			// Without an operator key the daemon stops right after
			// loading its config, before any network: a config error
			// would name the file instead.
			conf := filepath.Join("config", c+".json")
			out, err := run(t, []string{"SPARELINK_DATA_DIR=" + t.TempDir()},
				filepath.Join(bins, hostTarget.FileName("sparelink-"+c)), "--config", conf)
			if err == nil || strings.Contains(out, "config "+conf) || !strings.Contains(out, "operator key") {
				t.Errorf("sparelink-%s --config %s: got %v, %q; want it to load the config and ask for an operator key", c, conf, err, out)
			}
			if _, err := os.Stat(conf); err != nil {
				t.Fatal(err)
			}
		})
	}
}
