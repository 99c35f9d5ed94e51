package brokerd_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/brokerd"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// running is a brokerd.Run in the background.
type running struct {
	url   string
	admin *client.Client
	stop  func() error
}

// start runs brokerd with cfg on a free loopback port and waits until it
// serves. It is stopped when the test ends if the test did not stop it.
func start(t *testing.T, cfg brokerd.Config) running {
	t.Helper()
	cfg.Listen = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- brokerd.Run(ctx, cfg, zaptest.NewLogger(t), func(url string) { ready <- url }) }()
	var r running
	select {
	case r.url = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("Run: %v", err)
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("Run: not serving after 60s")
	}
	var stopped bool
	var err error
	r.stop = func() error {
		if !stopped {
			cancel()
			stopped, err = true, <-done
		}
		return err
	}
	t.Cleanup(func() { _ = r.stop() })
	key, rerr := os.ReadFile(filepath.Join(cfg.DataDir, brokerd.AdminKeyFile))
	if rerr != nil {
		t.Fatalf("admin key: %v", rerr)
	}
	r.admin = client.New(r.url, strings.TrimSpace(string(key)), client.WithRetry(3, time.Millisecond))
	return r
}

func TestRunStores(t *testing.T) {
	tests := []struct {
		name  string
		store func(t *testing.T, dataDir string) string
	}{
		{"default sqlite in the data dir", func(*testing.T, string) string { return "" }},
		{"relative sqlite", func(t *testing.T, _ string) string { t.Chdir(t.TempDir()); return "sqlite:rel/broker.db" }},
		{"postgres", func(t *testing.T, _ string) string { return pgtest.URL(t) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			cfg := brokerd.Config{DataDir: filepath.Join(t.TempDir(), "data")}
			cfg.Store = tt.store(t, cfg.DataDir)
			if strings.HasPrefix(cfg.Store, "sqlite:rel/") {
				if err := os.Mkdir("rel", 0o700); err != nil {
					t.Fatal(err)
				}
			}
			r := start(t, cfg)
			buyer, err := r.admin.CreateAccount(ctx, api.CreateAccountRequest{Kind: api.KindBuyer, Name: "b"})
			if err != nil {
				t.Fatalf("CreateAccount: %v", err)
			}
			if _, err := r.admin.Credit(ctx, "fund", buyer.ID, 4_200); err != nil {
				t.Fatalf("Credit: %v", err)
			}
			secret := readFile(t, filepath.Join(cfg.DataDir, brokerd.ChallengeKeyFile))
			if err := r.stop(); err != nil {
				t.Fatalf("Run returned %v after its context ended, want nil", err)
			}
			if spec, _ := brokerd.ParseStoreURL(cfg.Store); cfg.Store != "" && spec.Kind == brokerd.KindSQLite {
				if _, err := os.Stat(spec.Path); err != nil {
					t.Errorf("database file of %s: %v", cfg.Store, err)
				}
			}
			again := start(t, cfg) // same store, same keys
			b, err := again.admin.BalanceOf(ctx, buyer.ID)
			if err != nil || b.AvailableMicros != 4_200 {
				t.Errorf("balance after restart: got %+v, %v; want 4200 available", b, err)
			}
			if got := readFile(t, filepath.Join(cfg.DataDir, brokerd.ChallengeKeyFile)); got != secret {
				t.Errorf("challenge key changed across restarts")
			}
			if c, err := again.admin.CheckLedger(ctx); err != nil || !c.Balanced {
				t.Errorf("CheckLedger: got %+v, %v; want balanced", c, err)
			}
		})
	}
}

// readFile returns a file's content, checking it is private to its owner.
func readFile(t *testing.T, path string) string {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s: got mode %v, want 0600", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRunRejectsStore(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	tests := []struct {
		name, store string
		want        error // nil: any error
	}{
		{"unknown scheme", "mysql://u:hunter2@h/db", brokerd.ErrStoreURL},
		{"sqlite with a host", "sqlite://data/broker.db", brokerd.ErrStoreURL},
		{"postgres nobody listens on", "postgres://u:hunter2@127.0.0.1:" + closed + "/db?connect_timeout=5", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := brokerd.Config{DataDir: filepath.Join(t.TempDir(), "data"), Store: tt.store, Listen: "127.0.0.1:0"}
			err := brokerd.Run(context.Background(), cfg, zaptest.NewLogger(t), func(string) {
				t.Error("Run served with an unusable store")
			})
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("Run: got %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("Run: error %q repeats the password", err)
			}
			if _, serr := os.Stat(cfg.DataDir); tt.want != nil && serr == nil {
				t.Errorf("Run created the data dir despite a bad store URL")
			}
		})
	}
}
