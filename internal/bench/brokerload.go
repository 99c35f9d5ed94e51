package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
)

// measureStore runs a market on st and takes the broker's figures at
// every size of cfg.Nodes, growing the market between them.
func measureStore(ctx context.Context, cfg BrokerConfig, st store.Store, log *zap.Logger) (figs []figure, err error) {
	m, err := newBrokerMarket(ctx, st, log)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, m.close()) }()
	for _, n := range cfg.Nodes {
		start := time.Now()
		if err := m.seed(ctx, n); err != nil {
			return nil, err
		}
		log.Info("broker bench: market seeded", zap.Int("nodes", n), zap.Duration("took", time.Since(start)))
		got, err := m.measure(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("%d nodes: %w", n, err)
		}
		for _, f := range got {
			f.nodes = n
			log.Info("broker bench: measured", zap.Int("nodes", n), zap.String("name", f.metric), zap.Float64(f.unit, f.value))
			figs = append(figs, f)
		}
	}
	return figs, nil
}

// measure takes the four figures of the market as it is.
func (m *brokerMarket) measure(ctx context.Context, cfg BrokerConfig) ([]figure, error) {
	leases, err := rate(ctx, cfg, m.createLease)
	if err != nil {
		return nil, fmt.Errorf("lease creates: %w", err)
	}
	beats, err := rate(ctx, cfg, m.heartbeat)
	if err != nil {
		return nil, fmt.Errorf("heartbeats: %w", err)
	}
	p50, p99, err := m.quoteLatency(ctx, cfg.Quotes)
	if err != nil {
		return nil, fmt.Errorf("quotes: %w", err)
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return []figure{
		{metric: "lease_create", unit: "leases/s", value: leases},
		{metric: "heartbeat", unit: "heartbeats/s", value: beats},
		{metric: "quote_p50", unit: "ms", value: ms(p50)},
		{metric: "quote_p99", unit: "ms", value: ms(p99)},
	}, nil
}

// rate calls op from cfg.Workers goroutines for cfg.Duration, passing
// each call a distinct sequence number, and returns the calls per second.
// The first failing call ends the measurement with its error.
func rate(ctx context.Context, cfg BrokerConfig, op func(context.Context, int) error) (float64, error) {
	var seq, done atomic.Int64
	g, ctx := errgroup.WithContext(ctx)
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	for range cfg.Workers {
		g.Go(func() error {
			for time.Now().Before(deadline) {
				if err := op(ctx, int(seq.Add(1))); err != nil {
					return err
				}
				done.Add(1)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	return float64(done.Load()) / time.Since(start).Seconds(), nil
}

// leaseRequest is the i-th buyer request: two exits in a rotating country.
func leaseRequest(i int) api.LeaseRequest {
	c := marketCountries[i%len(marketCountries)]
	return api.LeaseRequest{Coverage: api.Coverage{Country: c}, Exits: 2, MaxBytes: 1e9}
}

// createLease buys the i-th lease.
func (m *brokerMarket) createLease(ctx context.Context, i int) error {
	req := leaseRequest(i)
	if _, err := m.buyer.CreateLease(ctx, "", req); err != nil {
		return fmt.Errorf("lease in %s: %w", req.Coverage.Country, err)
	}
	return nil
}

// heartbeat reports spare capacity for the i-th node, in turn.
func (m *brokerMarket) heartbeat(ctx context.Context, i int) error {
	n := i % m.nodes
	id := benchNodeID(n)
	req := api.HeartbeatRequest{SpareBps: 1 << 20}
	if _, err := m.operators[n%marketOperators].Heartbeat(ctx, id, req); err != nil {
		return fmt.Errorf("heartbeat of %s: %w", id, err)
	}
	return nil
}

// quoteLatency asks for n quotes one after the other and returns the
// 50th and 99th percentiles of their round trips.
func (m *brokerMarket) quoteLatency(ctx context.Context, n int) (p50, p99 time.Duration, err error) {
	ds := make([]time.Duration, 0, n)
	for i := range n {
		req := leaseRequest(i)
		start := time.Now()
		if _, err := m.buyer.Quote(ctx, req); err != nil {
			return 0, 0, fmt.Errorf("quote in %s: %w", req.Coverage.Country, err)
		}
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	return percentile(ds, 50), percentile(ds, 99), nil
}
