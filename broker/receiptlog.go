package broker

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/metering/billing"
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/metering/receipt"
)

// disputeSlack is how far an exit's receipt may run ahead of the buyer's
// last countersignature, beyond the billing tolerance, before the broker
// records a dispute: the exits' default exposure window, which an honest
// exit may carry unacknowledged (quicexit.Options.ExposureWindow).
const disputeSlack = 1 << 20

// buyerKeyOf decodes a lease request's buyer_key: nil when absent or not
// a standard base64 Ed25519 public key (checkLeaseRequest refuses those).
func buyerKeyOf(s string) []byte {
	if s == "" {
		return nil
	}
	k, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(k) != ed25519.PublicKeySize {
		return nil
	}
	return k
}

// encodeBuyerKey is the API form of a stored buyer key.
func encodeBuyerKey(k []byte) string {
	if len(k) == 0 {
		return ""
	}
	return base64.StdEncoding.EncodeToString(k)
}

// logReceipt checks rc's countersignature against the lease's buyer key,
// keeps rc in the receipt log for the lease's export, and reports whether
// it is countersigned. A countersignature on a lease without buyer key
// means nothing and is dropped; one that does not verify is dropped too,
// and the receipt refused for billing but kept, since its node signature
// links the chain.
func (b *Broker) logReceipt(ctx context.Context, l store.Lease, rc *receipt.Receipt) (bool, error) {
	cs := l.BuyerKey != nil && len(rc.BuyerSig) > 0
	var bad error
	if cs {
		if bad = rc.VerifyCountersign(l.BuyerKey); bad != nil {
			// The node's signature is good: keep the receipt in its chain,
			// without the countersignature, and bill nothing for it.
			b.log.Warn("countersignature refused", zap.String("lease", l.ID), zap.Error(bad))
			cs = false
		}
	}
	if !cs && len(rc.BuyerSig) > 0 {
		rc = rc.Clone()
		rc.BuyerSig = nil
	}
	data, err := rc.MarshalBinary()
	if err != nil {
		return false, refuse("%v", err)
	}
	_, err = b.st.AddReceipt(ctx, store.ReceiptRecord{LeaseID: l.ID, NodeID: rc.NodeID, Seq: rc.Seq,
		Countersigned: cs, Data: data})
	if errors.Is(err, store.ErrNotFound) {
		return false, refuse("unknown lease %s or node %s", l.ID, rc.NodeID)
	}
	if err != nil {
		return false, storeProblem(err, "receipt log")
	}
	if bad != nil {
		return false, refuse("%v", bad)
	}
	return cs, nil
}

// checkClaim records a dispute when rc, which the buyer did not
// countersign, claims more than the buyer last countersigned for its
// exit, beyond the tolerance and disputeSlack, and reports whether it did.
func (b *Broker) checkClaim(ctx context.Context, l store.Lease, n store.Node, rc *receipt.Receipt) (bool, error) {
	rows, err := b.st.Usage(ctx, l.ID)
	if err != nil {
		return false, storeProblem(err, "usage")
	}
	var agreed meter.Totals
	for _, u := range rows {
		if u.NodeID == rc.NodeID {
			agreed = meter.Totals{Up: u.BytesUp, Down: u.BytesDown}
		}
	}
	tol := billing.Tolerance{Bytes: billing.DefaultToleranceBytes + disputeSlack}
	if _, err := billing.Billable(rc.Totals(), agreed, tol); err == nil {
		return false, nil
	}
	return true, b.addDispute(ctx, store.Dispute{LeaseID: l.ID, NodeID: n.ID, Seq: rc.Seq,
		Source: store.DisputeExit, BuyerID: l.BuyerID, OperatorID: n.OperatorID,
		ClaimedUp: rc.Up, ClaimedDown: rc.Down, AgreedUp: agreed.Up, AgreedDown: agreed.Down})
}

// addDispute stores d and counts it once.
func (b *Broker) addDispute(ctx context.Context, d store.Dispute) error {
	added, err := b.st.AddDispute(ctx, d)
	if err != nil {
		return storeProblem(err, "dispute")
	}
	if added {
		b.metrics.receipts.disputes.WithLabelValues(d.Source).Inc()
		b.log.Warn("metering dispute", zap.String("lease", d.LeaseID), zap.String("node", d.NodeID),
			zap.String("source", d.Source), zap.Uint64("seq", d.Seq))
	}
	return nil
}
