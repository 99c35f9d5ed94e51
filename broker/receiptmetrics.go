package broker

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sparelink/sparelink/metering/receipt"
)

// receiptMetrics are the metering series: receipts verified and
// rejected, disputes and how late receipts are settled.
type receiptMetrics struct {
	verified prometheus.Counter
	rejected prometheus.Counter
	disputes *prometheus.CounterVec
	lag      prometheus.Histogram
}

func newReceiptMetrics(reg prometheus.Registerer) *receiptMetrics {
	m := &receiptMetrics{
		verified: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sparelink_broker_receipts_verified_total",
			Help: "Uploaded receipts whose node signature verified.",
		}),
		rejected: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sparelink_broker_receipts_rejected_total",
			Help: "Uploaded receipts refused: malformed, bad signature or countersignature, unknown lease or node.",
		}),
		disputes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sparelink_broker_disputes_total",
			Help: "Metering disputes recorded, by source (buyer, exit).",
		}, []string{"source"}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "sparelink_broker_settlement_lag_seconds",
			Help:    "Time from a receipt's issue at the exit to its settlement.",
			Buckets: []float64{0.5, 1, 2, 5, 10, 30, 60, 300, 1800},
		}),
	}
	reg.MustRegister(m.verified, m.rejected, m.disputes, m.lag)
	return m
}

// observeSettled records a settled receipt's lag.
func (m *receiptMetrics) observeSettled(rc *receipt.Receipt, applied bool) {
	if applied {
		m.lag.Observe(max(time.Since(rc.Time).Seconds(), 0))
	}
}

// receiptRoutes registers the metering endpoints. It is the hook routes
// calls.
func (b *Broker) receiptRoutes(mux *http.ServeMux) {
	b.private(mux, "POST /v1/leases/{id}/disputes", buyersOnly, b.reportDispute)
	b.private(mux, "GET /v1/leases/{id}/disputes", buyersOnly, b.leaseDisputes)
	b.private(mux, "GET /v1/leases/{id}/receipts", buyersOnly, b.exportReceipts)
	b.private(mux, "GET /v1/disputes", anyAccount, b.listDisputes)
}
