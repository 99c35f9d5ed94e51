package relayd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"github.com/sparelink/sparelink/internal/node"
	"github.com/sparelink/sparelink/metering/meter"
)

// Metrics serves a relay's Prometheus metrics over HTTP at /metrics. The
// series are totals over the relay: no lease, buyer or address appears in
// them.
type Metrics struct {
	srv  *http.Server
	addr net.Addr
	done chan struct{}

	closeOnce sync.Once
	closeErr  error
}

// ServeMetrics listens on addr (such as "127.0.0.1:9464") and serves n's
// metrics until Close. Metrics carry no secrets, but they show the relay's
// traffic: keep addr on loopback or a management network.
func ServeMetrics(addr string, n *node.Node, log *zap.Logger) (*Metrics, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("relay metrics: listen %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(registry(n), promhttp.HandlerOpts{}))
	m := &Metrics{
		srv:  &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second},
		addr: ln.Addr(),
		done: make(chan struct{}),
	}
	go func() {
		defer close(m.done)
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("metrics server stopped", zap.Error(err))
		}
	}()
	log.Info("serving metrics", zap.Stringer("addr", ln.Addr()))
	return m, nil
}

// Addr is the address the metrics are served on.
func (m *Metrics) Addr() net.Addr { return m.addr }

// Close stops the server and waits for it. It is idempotent.
func (m *Metrics) Close() error {
	m.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		m.closeErr = m.srv.Shutdown(ctx)
		<-m.done
	})
	return m.closeErr
}

// registry holds the relay's series, read from the node at each scrape.
func registry(n *node.Node) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	totals := func(pick func(meter.Totals) int64) func() float64 {
		return func() float64 {
			var sum int64
			for _, t := range n.Meter().Snapshot() {
				sum += pick(t)
			}
			return float64(sum)
		}
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "sparelink_relay_active_tunnels",
			Help: "Buyer tunnels the exit carries now.",
		}, func() float64 { return float64(n.ActiveTunnels()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "sparelink_relay_payload_bytes_total",
			Help:        "Payload bytes carried for buyers, as metered for billing.",
			ConstLabels: prometheus.Labels{"direction": "up"},
		}, totals(func(t meter.Totals) int64 { return t.Up })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "sparelink_relay_payload_bytes_total",
			Help:        "Payload bytes carried for buyers, as metered for billing.",
			ConstLabels: prometheus.Labels{"direction": "down"},
		}, totals(func(t meter.Totals) int64 { return t.Down })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "sparelink_relay_leases",
			Help: "Leases the relay has carried traffic for and not yet forgotten.",
		}, func() float64 { return float64(len(n.Meter().LeaseIDs())) }),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	reg.MustRegister(n.ReceiptCollectors()...) // metering; see internal/node
	return reg
}
