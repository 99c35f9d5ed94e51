package installer

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sparelink/sparelink/agent/owner"
)

// renderUCI runs the init script's rendering with OpenWrt's config
// functions (testdata/openwrt-functions.sh) on a UCI file holding body,
// and returns the JSON config it writes.
func renderUCI(t *testing.T, body string) (string, map[string]any) {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "sparelink", body, 0o644)
	out := filepath.Join(dir, "agent.json")
	script := ". testdata/openwrt-functions.sh && . openwrt/sparelink-agent.init && sparelink_render " + out
	if msg, err := run(t, []string{"UCI_CONFIG_DIR=" + dir}, "sh", "-c", script); err != nil {
		t.Fatalf("render: %v\n%s", err, msg)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(readFile(t, out)), &got); err != nil {
		t.Fatalf("rendered config is not JSON: %v\n%s", err, readFile(t, out))
	}
	return out, got
}

// agentAccepts runs the real agent's 'dashboard' command, which loads the
// config strictly (unknown settings and bad values are errors) and then
// looks for a token in the data directory.
func agentAccepts(t *testing.T, config string) error {
	t.Helper()
	return binaryAccepts(t, filepath.Join(binaries(t), hostTarget.FileName("sparelink-agent")), config)
}

// binaryAccepts is agentAccepts with the agent binary at bin.
func binaryAccepts(t *testing.T, bin, config string) error {
	t.Helper()
	out, err := run(t, nil, bin, "--config", config, "dashboard")
	if err != nil && strings.Contains(out, "no dashboard token") {
		return nil
	}
	return fmt.Errorf("%v: %s", err, out)
}

func uci(dataDir string, opts ...string) string {
	return "config agent 'agent'\n\toption data_dir '" + dataDir + "'\n" + strings.Join(opts, "\n") + "\n"
}

func TestOpenWrtRender(t *testing.T) {
	tests := []struct {
		name       string
		opts       []string
		want       map[string]any
		wantAccept bool
	}{
		{"empty options are left out", []string{"\toption country 'DE'", "\toption city ''", "\toption max_rate ''"},
			map[string]any{"country": "DE"}, true},
		{"names and lists", []string{"\toption country 'DE'", "\toption max_rate '20'", "\toption only_when_idle '1'",
			"\tlist egress_deny '198.51.100.0/24'", "\tlist egress_deny '203.0.113.7:25'"},
			map[string]any{"country": "DE", "max-rate": "20", "only-when-idle": "1",
				"egress-deny": []any{"198.51.100.0/24", "203.0.113.7:25"}}, true},
		{"quotes and backslashes", []string{`	option schedule 'weekdays 09:00-17:00, "weekends" \ all day'`},
			map[string]any{"schedule": `weekdays 09:00-17:00, "weekends" \ all day`}, true},
		{"a bad value reaches the agent", []string{"\toption asn 'sixty-four'"},
			map[string]any{"asn": "sixty-four"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dataDir := t.TempDir()
			path, got := renderUCI(t, uci(dataDir, tt.opts...))
			tt.want["version"], tt.want["data-dir"] = float64(1), dataDir
			if g, w := fmt.Sprint(got), fmt.Sprint(tt.want); g != w {
				t.Errorf("got config %s, want %s", g, w)
			}
			if err := agentAccepts(t, path); (err == nil) != tt.wantAccept {
				t.Errorf("agent accepts the config: got error %v, want accepted=%v", err, tt.wantAccept)
			}
		})
	}
}

// allOptions sets every option the init script maps, to a valid value.
var allOptions = map[string]string{
	"broker": "http://127.0.0.1:8400", "country": "DE", "subdivision": "DE-BE", "city": "Berlin",
	"asn": "64496", "connection_type": "residential", "price": "1000", "listen": "127.0.0.1:0",
	"advertise": "127.0.0.1:4433", "status_listen": "127.0.0.1:0", "link_up": "40", "link_down": "250",
	"stun_server": "127.0.0.1:3478", "no_nat_pmp": "1", "log_level": "info", "log_format": "json",
	"max_rate": "20", "max_up": "10", "max_down": "15", "quota": "100", "quota_reset_day": "3",
	"schedule": "weekdays 09:00-17:00", "only_when_idle": "1", "idle_below": "2", "max_leases": "3",
	"egress_web_only": "0", "interface": "lo", "egress_allow": "192.0.2.10:443", "egress_deny": "198.51.100.0/24",
}

func TestOpenWrtMapsEverySetting(t *testing.T) {
	script := readFile(t, "openwrt/sparelink-agent.init")
	mapped := map[string]bool{}
	for _, v := range []string{"SCALARS", "LISTS"} {
		m := regexp.MustCompile(`(?s)\n` + v + `="([^"]*)"`).FindStringSubmatch(script)
		if m == nil {
			t.Fatalf("got no %s in the init script", v)
		}
		for _, o := range strings.Fields(m[1]) {
			mapped[o] = true
		}
	}
	for _, name := range owner.Names() {
		if name != "paused" && !mapped[strings.ReplaceAll(name, "-", "_")] {
			t.Errorf("owner setting %s: got no UCI option for it, want one", name)
		}
	}
	var opts []string
	for o := range mapped {
		if _, ok := allOptions[o]; !ok {
			t.Fatalf("option %s: got no test value, want one in allOptions", o)
		}
		kind := "option"
		if slices.Contains([]string{"interface", "egress_allow", "egress_deny"}, o) {
			kind = "list"
		}
		opts = append(opts, fmt.Sprintf("\t%s %s '%s'", kind, o, allOptions[o]))
	}
	path, got := renderUCI(t, uci(t.TempDir(), opts...))
	if len(got) != len(mapped)+2 {
		t.Errorf("got %d settings in the config, want %d options plus version and data-dir", len(got), len(mapped))
	}
	if err := agentAccepts(t, path); err != nil {
		t.Errorf("agent rejects the config with every option: %v", err)
	}
	var s owner.Settings
	for key, v := range got {
		name := strings.ReplaceAll(key, "_", "-")
		if !slices.Contains(owner.Names(), name) {
			continue
		}
		if list, ok := v.([]any); ok {
			v = fmt.Sprint(list...)
		}
		if err := owner.Set(&s, name, fmt.Sprint(v)); err != nil {
			t.Errorf("owner setting %s=%v: %v", name, v, err)
		}
	}
}
