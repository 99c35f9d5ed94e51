package integration

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/api"
)

// demoInfo is the first line of `sparelink demo --keep-running --json`.
type demoInfo struct {
	BrokerURL     string `json:"broker_url"`
	AdminKey      string `json:"admin_key"`
	BuyerKey      string `json:"buyer_key"`
	OperatorKey   string `json:"operator_key"`
	GatewaySOCKS5 string `json:"gateway_socks5"`
	GatewayHTTP   string `json:"gateway_http"`
	OriginURL     string `json:"origin_url"`
	Agents        []struct {
		NodeID   string `json:"node_id"`
		Region   string `json:"region"`
		ExitAddr string `json:"exit_addr"`
	} `json:"agents"`
}

// TestDemoKeepRunning uses a running demo market by hand, as README.md
// suggests: curl through the gateway, the broker's API, then Ctrl-C.
func TestDemoKeepRunning(t *testing.T) {
	t.Parallel()
	p := start(t, binCLI, nil, "demo", "--keep-running", "--json", "--download", "1", "--upload", "1")
	info := readDemoInfo(t, p)
	// The statement counts the demo's own traffic only: wait for it
	// before adding more.
	waitStatement(t, p)

	direct := curl(t, info.OriginURL)
	if direct.code != 0 || direct.stdout == "" {
		t.Fatalf("origin without proxy: got exit %d and %q, want its greeting", direct.code, direct.stdout)
	}
	for _, pc := range proxyCases(info.GatewaySOCKS5, info.GatewayHTTP) {
		t.Run("origin via "+pc.name, func(t *testing.T) {
			res := curl(t, append(pc.args, info.OriginURL)...)
			if res.code != 0 || res.stdout != direct.stdout {
				t.Fatalf("got exit %d and %q, want exit 0 and %q", res.code, res.stdout, direct.stdout)
			}
		})
		// The exits may reach only the origin: the broker, on another
		// loopback port, must stay out of reach.
		t.Run("broker via "+pc.name+" refused", func(t *testing.T) {
			res := curl(t, append(pc.args, "-i", info.BrokerURL+"/healthz")...)
			wantRefused(t, pc, res)
		})
	}

	eventually(t, 5*time.Second, "broker healthy", brokerAPI{base: info.BrokerURL}.healthy)
	var bal api.Balance
	brokerAPI{base: info.BrokerURL, key: info.BuyerKey}.call(t, "GET", "/v1/balance", nil, http.StatusOK, &bal)
	// The lease of a market kept running stays open, so part of the
	// buyer's money is still held for it.
	if bal.AccountID == "" || bal.AvailableMicros <= 0 || bal.HeldMicros <= 0 {
		t.Errorf("buyer balance: got %+v, want an account with money available and held", bal)
	}
	p.stop(t, os.Interrupt, 15*time.Second)
}

// readDemoInfo waits for the first line of the demo's output and checks
// that it carries every address and key.
func readDemoInfo(t *testing.T, p *proc) demoInfo {
	t.Helper()
	var line string
	eventually(t, 30*time.Second, "first line of the demo's output", func(context.Context) error {
		if p.exitCode() >= 0 {
			return errors.New("the demo exited")
		}
		var ok bool
		line, _, ok = strings.Cut(p.stdout.String(), "\n")
		if !ok {
			return errors.New("no complete line yet")
		}
		return nil
	})
	var info demoInfo
	if err := json.Unmarshal([]byte(line), &info); err != nil {
		t.Fatalf("first line %q: %v", line, err)
	}
	urls := map[string]string{"broker_url": info.BrokerURL, "gateway_socks5": info.GatewaySOCKS5,
		"gateway_http": info.GatewayHTTP, "origin_url": info.OriginURL}
	for name, v := range urls {
		if u, err := url.Parse(v); err != nil || u.Host == "" {
			t.Errorf("%s: got %q, want a URL with a host", name, v)
		}
	}
	for name, v := range map[string]string{"admin_key": info.AdminKey, "buyer_key": info.BuyerKey, "operator_key": info.OperatorKey} {
		if !strings.HasPrefix(v, "sl_") {
			t.Errorf("%s: got %q, want an sl_ API key", name, v)
		}
	}
	if len(info.Agents) == 0 {
		t.Errorf("agents: got none, want the demo's agents")
	}
	for i, a := range info.Agents {
		if a.NodeID == "" || a.Region == "" || a.ExitAddr == "" {
			t.Errorf("agents[%d]: got %+v, want node_id, region and exit_addr", i, a)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return info
}

// waitStatement waits for the statement the demo prints after its own
// traffic, and checks it.
func waitStatement(t *testing.T, p *proc) {
	t.Helper()
	var lines []string
	eventually(t, 60*time.Second, "the demo's statement", func(context.Context) error {
		if p.exitCode() >= 0 {
			return errors.New("the demo exited")
		}
		lines = strings.Split(strings.TrimSuffix(p.stdout.String(), "\n"), "\n")
		if len(lines) < 2 || !strings.HasSuffix(p.stdout.String(), "\n") {
			return errors.New("no statement yet")
		}
		return nil
	})
	if len(lines) != 2 {
		t.Fatalf("got %d lines of output, want 2 (addresses, statement)", len(lines))
	}
	checkStatement(t, decodeStatement(t, []byte(lines[1])))
}
