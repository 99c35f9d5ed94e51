// Package demo runs the whole SpareLink market on one machine: a broker on
// an embedded SQLite store, agents with QUIC exits in several regions run by
// different operators, an origin server, a buyer with a lease, and the
// buyer's gateway, all on loopback. `sparelink demo` and the integration
// test drive the same code.
package demo

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/agent"
	"github.com/sparelink/sparelink/broker"
	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store/sqlite"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/client/gateway"
	"github.com/sparelink/sparelink/metering/meter"
)

// Config tunes the demo. The zero value is the demo `make demo` runs.
type Config struct {
	// DataDir holds the broker's database and the agents' keys; empty means
	// a temporary directory removed by Close.
	DataDir string
	// DownloadBytes and UploadBytes are the traffic sent through the
	// gateway; zero means 4 MiB down and 2 MiB up.
	DownloadBytes, UploadBytes int
	// FeeBPS is the broker's fee; zero means 10%.
	FeeBPS int64
	// Progress receives one line per step for people watching; nil means
	// silence.
	Progress io.Writer
}

// Market is a running demo market.
type Market struct {
	cfg     Config
	log     *zap.Logger
	tempDir string

	origin    *Origin
	brokerLn  net.Listener
	brokerSrv *http.Server
	closeDB   func() error
	brokerURL string
	adminKey  string
	admin     *client.Client

	operators []operator
	agents    []*runningAgent

	buyerKey   string
	receiptKey ed25519.PrivateKey // countersigns the exits' receipts
	buyer      *client.Client
	lease      api.Lease
	pool       *exitdial.Pool
	gw         *gateway.Gateway
	buyerCount meter.Counter
	socksAddr  net.Addr
	httpAddr   net.Addr

	runCtx   context.Context // background work lives until Close
	cancel   context.CancelFunc
	wg       sync.WaitGroup // broker and origin servers
	agentsWG sync.WaitGroup // agents' Run loops
}

type runningAgent struct {
	site  Site
	agent *agent.Agent
}

type operator struct {
	account api.Account
	key     string
	client  *client.Client
}

// Start brings the market up. Close it when done, even after an error.
func Start(ctx context.Context, cfg Config, log *zap.Logger) (*Market, error) {
	if cfg.DownloadBytes == 0 {
		cfg.DownloadBytes = 4 << 20
	}
	if cfg.UploadBytes == 0 {
		cfg.UploadBytes = 2 << 20
	}
	if cfg.FeeBPS == 0 {
		cfg.FeeBPS = 1000
	}
	m := &Market{cfg: cfg, log: log}
	runCtx, cancel := context.WithCancel(context.Background())
	m.runCtx, m.cancel = runCtx, cancel
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"data dir", m.prepareDir},
		{"origin", m.startOrigin},
		{"broker", m.startBroker},
		{"operators", m.createOperators},
		{"agents", m.startAgents},
		{"buyer", m.createBuyer},
		{"lease", m.buyLease},
		{"gateway", m.startGateway},
	}
	for _, s := range steps {
		if err := s.fn(ctx); err != nil {
			return m, fmt.Errorf("demo %s: %w", s.name, err)
		}
	}
	return m, nil
}

func (m *Market) prepareDir(context.Context) error {
	if m.cfg.DataDir != "" {
		return os.MkdirAll(m.cfg.DataDir, 0o700)
	}
	dir, err := os.MkdirTemp("", "sparelink-demo-")
	if err != nil {
		return err
	}
	m.tempDir, m.cfg.DataDir = dir, dir
	return nil
}

func (m *Market) startOrigin(context.Context) error {
	o, err := StartOrigin()
	if err != nil {
		return err
	}
	m.origin = o
	m.progress("origin server on %s", o.URL())
	return nil
}

func (m *Market) startBroker(ctx context.Context) error {
	st, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(m.cfg.DataDir, "broker.db")}, m.log.Named("store"))
	if err != nil {
		return err
	}
	m.closeDB = st.Close
	b, err := broker.New(broker.Config{FeeBPS: m.cfg.FeeBPS, HeartbeatTTL: 10 * time.Second}, st, m.log.Named("broker"))
	if err != nil {
		return err
	}
	if m.adminKey, _, err = b.EnsureAdmin(ctx, "demo admin"); err != nil {
		return err
	}
	if m.brokerLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return err
	}
	m.brokerSrv = &http.Server{Handler: b.Handler(), ReadHeaderTimeout: 10 * time.Second}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		_ = m.brokerSrv.Serve(m.brokerLn)
	}()
	m.brokerURL = "http://" + m.brokerLn.Addr().String()
	m.admin = client.New(m.brokerURL, m.adminKey)
	m.progress("broker on %s (SQLite in %s)", m.brokerURL, m.cfg.DataDir)
	return nil
}

func (m *Market) progress(format string, args ...any) {
	if m.cfg.Progress != nil {
		fmt.Fprintf(m.cfg.Progress, "▸ "+format+"\n", args...)
	}
}

// Close stops everything the market started, newest first, and removes a
// temporary data directory.
func (m *Market) Close() error {
	var errs []error
	if m.gw != nil {
		errs = append(errs, m.gw.Close())
	}
	if m.pool != nil {
		errs = append(errs, m.pool.Close())
	}
	if m.cancel != nil {
		m.cancel() // agents upload their last receipts and stop
	}
	if m.brokerSrv != nil {
		// Let agents finish their final uploads before the broker goes.
		m.agentsWG.Wait()
		errs = append(errs, m.brokerSrv.Close())
	}
	m.wg.Wait()
	if m.closeDB != nil {
		errs = append(errs, m.closeDB())
	}
	if m.origin != nil {
		errs = append(errs, m.origin.Close())
	}
	if m.tempDir != "" {
		errs = append(errs, os.RemoveAll(m.tempDir))
	}
	return errors.Join(errs...)
}
