package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/broker/store/postgres"
	"github.com/sparelink/sparelink/broker/store/sqlite"
	"github.com/sparelink/sparelink/internal/pgtest"
)

// BrokerConfig sizes the broker measurements. The zero value measures
// markets of 10,000 and 100,000 nodes, each throughput for 3s with 4
// concurrent clients, and quote latency over 200 quotes.
type BrokerConfig struct {
	// Nodes are the market sizes; each store is seeded up to the smallest,
	// measured, topped up to the next, and so on.
	Nodes []int
	// Duration is how long each throughput measurement runs.
	Duration time.Duration
	// Workers is how many clients send requests at once.
	Workers int
	// Quotes is how many quotes, one after the other, give the latencies.
	Quotes int
}

func (c BrokerConfig) withDefaults() BrokerConfig {
	if len(c.Nodes) == 0 {
		c.Nodes = []int{10_000, 100_000}
	}
	c.Nodes = slices.Compact(slices.Sorted(slices.Values(c.Nodes)))
	if c.Duration <= 0 {
		c.Duration = 3 * time.Second
	}
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.Quotes <= 0 {
		c.Quotes = 200
	}
	return c
}

// ErrBadNodes means a BrokerConfig asked for a market without nodes.
var ErrBadNodes = errors.New("node counts must be positive integers")

// brokerStores are the engines measured, SQLite first: it is the
// baseline of PostgreSQL's rows.
var brokerStores = []struct {
	name string
	open func(ctx context.Context, log *zap.Logger) (store.Store, func() error, error)
}{
	{"sqlite", openSQLite},
	{"postgres", openPostgres},
}

// BrokerRun measures the broker through its HTTP API on loopback, on each
// store: lease creates and heartbeats per second, and quote latency p50
// and p99, at every market size of cfg.Nodes. PostgreSQL rows have the
// SQLite row of the same figure as their baseline. When the PostgreSQL
// server binaries are missing its rows are left out with a log line.
func BrokerRun(ctx context.Context, cfg BrokerConfig, log *zap.Logger) ([]Result, error) {
	cfg = cfg.withDefaults()
	if cfg.Nodes[0] <= 0 {
		return nil, fmt.Errorf("broker bench: %v: %w", cfg.Nodes, ErrBadNodes)
	}
	var all []figure
	for _, s := range brokerStores {
		st, closeStore, err := s.open(ctx, log)
		if errors.Is(err, pgtest.ErrMissing) {
			log.Warn("broker bench: PostgreSQL rows left out", zap.Error(err))
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("broker bench on %s: %w", s.name, err)
		}
		figs, err := measureStore(ctx, cfg, st, log.With(zap.String("store", s.name)))
		err = errors.Join(err, closeStore())
		if err != nil {
			return nil, fmt.Errorf("broker bench on %s: %w", s.name, err)
		}
		for i := range figs {
			figs[i].store = s.name
		}
		all = append(all, figs...)
	}
	return brokerResults(all), nil
}

var _ nodeInserter = (*sqlite.Store)(nil)

// openSQLite opens a store in a new temporary directory; closing it
// removes the directory.
func openSQLite(ctx context.Context, log *zap.Logger) (store.Store, func() error, error) {
	dir, err := os.MkdirTemp("", "sparelink-bench-")
	if err != nil {
		return nil, nil, fmt.Errorf("temp dir: %w", err)
	}
	st, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(dir, "broker.db")}, log.Named("bench"))
	if err != nil {
		return nil, nil, errors.Join(err, os.RemoveAll(dir))
	}
	return st, func() error { return errors.Join(st.Close(), os.RemoveAll(dir)) }, nil
}

// openPostgres starts a throwaway PostgreSQL server and opens a store on
// it; closing the store stops the server. The error wraps
// pgtest.ErrMissing when the server binaries are not installed.
func openPostgres(ctx context.Context, log *zap.Logger) (store.Store, func() error, error) {
	url, stop, err := pgtest.StartServer()
	if err != nil {
		return nil, nil, err
	}
	st, err := postgres.Open(ctx, postgres.Config{URL: url, MaxConns: 32}, log.Named("bench"))
	if err != nil {
		return nil, nil, errors.Join(err, stop())
	}
	return st, func() error { return errors.Join(st.Close(), stop()) }, nil
}

// figure is one measured value before it becomes a Result.
type figure struct {
	metric string // lease_create, heartbeat, quote_p50, quote_p99
	unit   string
	nodes  int
	store  string
	value  float64
}

// brokerResults orders figures by market size, metric and store, and
// sets each PostgreSQL row's baseline and ratio to the SQLite row's.
func brokerResults(figs []figure) []Result {
	slices.SortStableFunc(figs, func(a, b figure) int {
		if a.nodes != b.nodes {
			return a.nodes - b.nodes
		}
		return metricOrder(a.metric) - metricOrder(b.metric)
	})
	name := func(f figure, st string) string {
		return "broker_" + f.metric + "_" + st + "_" + nodesLabel(f.nodes)
	}
	values := map[string]float64{}
	results := make([]Result, 0, len(figs))
	for _, f := range figs {
		r := Result{Name: name(f, f.store), Value: round(f.value), Unit: f.unit}
		if base, ok := values[name(f, "sqlite")]; ok && f.store != "sqlite" {
			r.Baseline = name(f, "sqlite")
			if base > 0 {
				r.Ratio = round(f.value / base)
			}
		}
		values[r.Name] = f.value
		results = append(results, r)
	}
	return results
}

// metrics lists the broker's figures in the order of the table.
var metrics = []string{"lease_create", "heartbeat", "quote_p50", "quote_p99"}

func metricOrder(m string) int { return slices.Index(metrics, m) }
