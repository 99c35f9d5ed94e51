package node

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sparelink/sparelink/relay/quicexit"
)

// ReceiptCollectors returns the node's metering series for an operator's
// registry: receipts issued, countersignatures verified and rejected,
// exposure pauses and refusals, and the spool's backlog and its age (how
// far uploads, and so settlement, lag behind). No lease or buyer appears in
// them.
func (n *Node) ReceiptCollectors() []prometheus.Collector {
	stat := func(pick func(quicexit.ReceiptStats) int64) func() float64 {
		return func() float64 { return float64(pick(n.exit.Stats().Receipts)) }
	}
	counter := func(name, help string, pick func(quicexit.ReceiptStats) int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, stat(pick))
	}
	return []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "sparelink_node_receipts_issued_total",
			Help: "Receipts the node signed, on receipt streams and for uploads.",
		}, func() float64 { return float64(n.exit.Stats().Receipts.Issued + n.receipts.issued.Load()) }),
		counter("sparelink_node_countersignatures_verified_total", "Countersigned receipts verified and counted as paid.",
			func(s quicexit.ReceiptStats) int64 { return s.Countersigned }),
		counter("sparelink_node_countersignatures_rejected_total", "Countersigned receipts refused.",
			func(s quicexit.ReceiptStats) int64 { return s.Rejected }),
		counter("sparelink_node_exposure_pauses_total", "Tunnels paused at the exposure window.",
			func(s quicexit.ReceiptStats) int64 { return s.Pauses }),
		counter("sparelink_node_exposure_refusals_total", "New tunnels refused at the exposure window.",
			func(s quicexit.ReceiptStats) int64 { return s.Refusals }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "sparelink_node_receipts_pending",
			Help: "Receipts in the spool the broker has not confirmed yet.",
		}, func() float64 { c, _ := n.receipts.backlog(); return float64(c) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "sparelink_node_settlement_lag_seconds",
			Help: "Age of the oldest receipt not yet uploaded; 0 when none waits.",
		}, func() float64 { _, age := n.receipts.backlog(); return age.Seconds() }),
	}
}

// backlog returns how many receipts wait for upload and the age of the
// oldest; a receipt's Seq is its issue time in milliseconds.
func (u *uploader) backlog() (int, time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), spoolTimeout)
	defer cancel()
	var count int
	var oldest *int64
	err := u.sp.db.QueryRowContext(ctx, `SELECT COUNT(*), MIN(seq) FROM receipts WHERE uploaded = 0`).Scan(&count, &oldest)
	if err != nil || oldest == nil {
		return count, 0
	}
	return count, max(time.Since(time.UnixMilli(*oldest)), 0)
}
