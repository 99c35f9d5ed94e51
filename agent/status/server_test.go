package status_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/agent/owner"
	"github.com/sparelink/sparelink/agent/status"
)

// api is a status server on loopback with real owner controls in a
// temporary data directory.
type api struct {
	dir      string
	token    string
	controls *owner.Controls
	srv      *status.Server
}

func startAPI(t *testing.T) *api {
	t.Helper()
	dir := t.TempDir()
	token, created, err := status.LoadOrCreateToken(dir)
	if err != nil || !created {
		t.Fatalf("LoadOrCreateToken: got created %v, err %v", created, err)
	}
	controls, err := owner.Open(owner.Config{Dir: dir}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	dash := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "dashboard at "+r.URL.Path) })
	srv, err := status.Start(status.Config{
		Token:    token,
		Controls: controls,
		Status: func(context.Context) status.Status {
			return status.Status{NodeID: "nd_test", Settings: controls.Settings(), Reachability: status.ReachabilityUnknown}
		},
		Dashboard: dash,
		DataDir:   dir,
	}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return &api{dir: dir, token: token, controls: controls, srv: srv}
}

// call makes one request and returns the status code and body.
func (a *api) call(t *testing.T, method, path, auth, host, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, a.srv.URL()+strings.TrimPrefix(path, "/"), strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if host != "" {
		req.Host = host
	}
	rsp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer rsp.Body.Close()
	data, _ := io.ReadAll(rsp.Body)
	return rsp.StatusCode, string(data)
}

func TestRequests(t *testing.T) {
	a := startAPI(t)
	good := "Bearer " + a.token
	tests := []struct {
		name, method, path, auth, host, body string
		wantCode                             int
		wantBody                             string
	}{
		{"status", "GET", "/v1/status", good, "", "", 200, `"node_id":"nd_test"`},
		{"scheme is case-insensitive", "GET", "/v1/status", "bearer " + a.token, "", "", 200, `"reachability":"unknown"`},
		{"no token", "GET", "/v1/status", "", "", "", 401, "missing or wrong token"},
		{"wrong token", "GET", "/v1/status", "Bearer " + strings.Repeat("0", len(a.token)), "", "", 401, "missing or wrong token"},
		{"basic auth", "GET", "/v1/settings", "Basic " + a.token, "", "", 401, "missing or wrong token"},
		{"rebound host name", "GET", "/v1/status", good, "attacker.example:7465", "", 421, "only to localhost"},
		{"localhost host", "GET", "/v1/settings", good, "localhost:7465", "", 200, `"paused":false`},
		{"ipv6 loopback host", "GET", "/v1/settings", good, "[::1]:7465", "", 200, `"paused":false`},
		{"put settings", "PUT", "/v1/settings", good, "", `{"max_up_bps": 1000, "schedule": "weekends all day"}`, 200, `"max_up_bps":1000`},
		{"put unknown field", "PUT", "/v1/settings", good, "", `{"max_rate": 5}`, 400, "unknown field"},
		{"put bad value", "PUT", "/v1/settings", good, "", `{"quota_reset_day": 30}`, 400, "quota_reset_day"},
		{"put huge body", "PUT", "/v1/settings", good, "", `{"schedule": "` + strings.Repeat("x", 70<<10) + `"}`, 413, "too large"},
		{"put without token", "PUT", "/v1/settings", "", "", `{"paused": true}`, 401, "missing or wrong token"},
		{"pause", "POST", "/v1/pause", good, "", "", 200, `"paused":true`},
		{"resume", "POST", "/v1/resume", good, "", "", 200, `"paused":false`},
		{"wrong method", "DELETE", "/v1/settings", good, "", "", 404, "no such endpoint"},
		{"unknown endpoint", "GET", "/v1/secrets", good, "", "", 404, "no such endpoint"},
		{"unknown endpoint needs the token", "GET", "/v1/secrets", "", "", "", 401, "missing or wrong token"},
		{"dashboard without token", "GET", "/index.html", "", "", "", 200, "dashboard at /index.html"},
		{"dashboard on a rebound host", "GET", "/", "", "attacker.example", "", 421, "only to localhost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := a.call(t, tt.method, tt.path, tt.auth, tt.host, tt.body)
			if code != tt.wantCode || !strings.Contains(body, tt.wantBody) {
				t.Errorf("%s %s: got %d %q, want %d with %q", tt.method, tt.path, code, body, tt.wantCode, tt.wantBody)
			}
		})
	}
	if s := a.controls.Settings(); s.MaxUpBps != 1000 || s.Paused {
		t.Errorf("settings after the requests: got %+v, want the PUT applied and resumed", s)
	}
}

func TestClient(t *testing.T) {
	a := startAPI(t)
	ctx := context.Background()
	c, err := status.Dial(a.dir)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	st, err := c.Status(ctx)
	if err != nil || st.NodeID != "nd_test" {
		t.Fatalf("Status: got %+v, %v", st, err)
	}
	s, err := c.Set(ctx, "max-rate", "8")
	if err != nil || s.CapBps() != 1_000_000 {
		t.Fatalf("Set max-rate 8: got cap %d, %v; want 1000000", s.CapBps(), err)
	}
	if got := a.controls.Settings().CapBps(); got != 1_000_000 {
		t.Errorf("agent's cap after Set: got %d, want 1000000", got)
	}
	if _, err := c.Set(ctx, "max-leases", "-3"); !errors.Is(err, owner.ErrInvalid) {
		t.Errorf("Set max-leases -3: got %v, want ErrInvalid before any request", err)
	}
	bad := s
	bad.QuotaResetDay = 31
	if _, err := c.PutSettings(ctx, bad); err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("PutSettings with a bad day: got %v, want the API's 400", err)
	}
	if s, err := c.Pause(ctx); err != nil || !s.Paused {
		t.Errorf("Pause: got paused %v, %v", s.Paused, err)
	}
	if s, err := c.Resume(ctx); err != nil || s.Paused {
		t.Errorf("Resume: got paused %v, %v", s.Paused, err)
	}
	wrong := status.NewClient(strings.TrimSuffix(strings.TrimPrefix(a.srv.URL(), "http://"), "/"), "not-the-token")
	if _, err := wrong.Status(ctx); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("Status with a wrong token: got %v, want 401", err)
	}

	if err := a.srv.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := a.srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := c.Status(ctx); !errors.Is(err, status.ErrNotRunning) {
		t.Errorf("Status after Close: got %v, want ErrNotRunning", err)
	}
	if _, err := status.Dial(a.dir); !errors.Is(err, status.ErrNotRunning) {
		t.Errorf("Dial after Close: got %v, want ErrNotRunning (address file removed)", err)
	}
}

func TestStartRefuses(t *testing.T) {
	controls, err := owner.Open(owner.Config{Dir: t.TempDir()}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ok := status.Config{Token: "t", Controls: controls, Status: func(context.Context) status.Status { return status.Status{} }}
	tests := []struct {
		name   string
		adjust func(*status.Config)
		want   error
	}{
		{"all interfaces", func(c *status.Config) { c.Listen = "0.0.0.0:0" }, status.ErrNotLoopback},
		{"empty host", func(c *status.Config) { c.Listen = ":7465" }, status.ErrNotLoopback},
		{"public address", func(c *status.Config) { c.Listen = "192.0.2.1:7465" }, status.ErrNotLoopback},
		{"no token", func(c *status.Config) { c.Token = "" }, nil},
		{"no controls", func(c *status.Config) { c.Controls = nil }, nil},
		{"no port", func(c *status.Config) { c.Listen = "127.0.0.1" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.adjust(&cfg)
			srv, err := status.Start(cfg, zaptest.NewLogger(t))
			if err == nil {
				srv.Close()
				t.Fatalf("Start: got a server, want an error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Start: got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestToken(t *testing.T) {
	dir := t.TempDir()
	if _, err := status.LoadToken(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadToken before any: got %v, want ErrNotExist", err)
	}
	tok, created, err := status.LoadOrCreateToken(dir)
	if err != nil || !created || len(tok) != 64 {
		t.Fatalf("LoadOrCreateToken: got %q created %v, %v; want a new 64-digit token", tok, created, err)
	}
	fi, err := os.Stat(filepath.Join(dir, status.TokenFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: got %v, %v; want mode 600", fi.Mode(), err)
	}
	again, created, err := status.LoadOrCreateToken(dir)
	if err != nil || created || again != tok {
		t.Errorf("second LoadOrCreateToken: got created %v, same %v, %v; want the stored token", created, again == tok, err)
	}
	if err := os.Chmod(filepath.Join(dir, status.TokenFile), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := status.LoadOrCreateToken(dir); err == nil || !strings.Contains(err.Error(), "too open") {
		t.Errorf("world-readable token: got %v, want a permissions error", err)
	}
}

func TestWriteText(t *testing.T) {
	at := time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)
	st := status.Status{
		NodeID: "nd_abc", ExitAddr: "127.0.0.1:4433", Registered: true, LastHeartbeat: at.Add(-3 * time.Second),
		Reachability: status.ReachabilityUnknown,
		Serving:      status.Serving{Detail: "the owner paused this exit", Reason: string(owner.ReasonPaused), CapBps: 2_500_000},
		Capacity:     status.Capacity{HouseholdUpBps: 125_000, RelayBps: 250_000, LinkUpBps: 12_500_000, LinkDownBps: 62_500_000},
		Usage:        status.Usage{PeriodStart: at.AddDate(0, 0, -9), PeriodEnd: at.AddDate(0, 0, 22), UsedBytes: 1_500_000_000, QuotaBytes: 100e9},
		Earnings:     status.Earnings{EarnedMicros: 1_234_567, At: at},
		At:           at,
	}
	var b strings.Builder
	if err := status.WriteText(&b, st); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"nd_abc (registered, last heartbeat 3s ago)",
		"no: the owner paused this exit; cap 20.0 Mbit/s",
		"up 1.0 Mbit/s, down 0.0 Mbit/s",
		"1.50 GB of 100.00 GB, since 1 Mar, resets 1 Apr",
		"1.234567 earned",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("status text lacks %q:\n%s", want, b.String())
		}
	}
}

func TestUnits(t *testing.T) {
	tests := []struct {
		micros int64
		want   string
	}{{0, "0.000000"}, {1, "0.000001"}, {2_500_000, "2.500000"}, {-750_000, "-0.750000"}}
	for _, tt := range tests {
		if got := status.Units(tt.micros); got != tt.want {
			t.Errorf("Units(%d): got %q, want %q", tt.micros, got, tt.want)
		}
	}
}
