package broker

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/store"
)

// metrics are the broker's Prometheus series, on a registry of its own so
// that several brokers in one process (tests, the demo) do not collide.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	leases   prometheus.Counter
	settled  prometheus.Counter
	checks   *prometheus.CounterVec
	probes   *prometheus.CounterVec
	receipts *receiptMetrics // see receiptmetrics.go
}

func newMetrics(online func() float64) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sparelink_broker_requests_total",
			Help: "API requests by route pattern and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sparelink_broker_request_duration_seconds",
			Help:    "API request latency by route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		leases: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sparelink_broker_leases_created_total",
			Help: "Leases created.",
		}),
		settled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sparelink_broker_settled_micros_total",
			Help: "Buyer charges settled from receipts, in micro-units.",
		}),
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sparelink_broker_exit_checks_total",
			Help: "Reachability checks of node exits by result (ok, failed).",
		}, []string{"result"}),
		probes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sparelink_broker_link_probes_total",
			Help: "Line throughput probes served to nodes by direction (up, down).",
		}, []string{"direction"}),
	}
	m.receipts = newReceiptMetrics(m.reg) // see receiptmetrics.go
	m.reg.MustRegister(m.requests, m.latency, m.leases, m.settled, m.checks, m.probes,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "sparelink_broker_online_nodes",
			Help: "Nodes seen within the heartbeat TTL.",
		}, online),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// onlineNodes counts the nodes seen within the heartbeat TTL, for the
// gauge. A store failure reports -1 rather than a misleading zero.
func (b *Broker) onlineNodes() float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	nodes, err := b.st.Nodes(ctx, store.NodeFilter{SeenSince: b.seenSince()})
	if err != nil {
		b.log.Warn("count online nodes", zap.Error(err))
		return -1
	}
	return float64(len(nodes))
}
