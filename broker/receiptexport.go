package broker

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"

	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/metering/audit"
	"github.com/sparelink/sparelink/metering/receipt"
)

// exportReceipts serves the receipts the broker verified for one of the
// buyer's leases as JSON Lines (metering/audit), with the exits' node keys,
// so that `sparelink verify` can check them and recompute the bill
// offline.
func (b *Broker) exportReceipts(w http.ResponseWriter, r *http.Request, p principal) error {
	l, err := b.ownLease(r.Context(), r.PathValue("id"), p)
	if err != nil {
		return err
	}
	recs, err := b.st.LeaseReceipts(r.Context(), l.ID)
	if err != nil {
		return storeProblem(err, "receipts")
	}
	x := &audit.Export{LeaseID: l.ID, PriceMicrosPerGB: l.PriceMicrosPerGB, FeeBPS: l.FeeBPS,
		NodeKeys: make(map[string]ed25519.PublicKey)}
	if l.BuyerKey != nil {
		x.BuyerKey = l.BuyerKey
	}
	for _, rec := range recs {
		var rc receipt.Receipt
		if err := rc.UnmarshalBinary(rec.Data); err != nil {
			return fmt.Errorf("stored receipt %s/%s/%d: %w", rec.LeaseID, rec.NodeID, rec.Seq, err)
		}
		x.Receipts = append(x.Receipts, &rc)
	}
	if err := b.exportKeys(r, l, x); err != nil {
		return err
	}
	w.Header().Set("Content-Type", audit.ContentType)
	w.WriteHeader(http.StatusOK)
	if err := audit.Write(w, x); err != nil {
		b.log.Debug("receipt export cut short")
	}
	return nil
}

// exportKeys adds the public key of every exit of l to x.
func (b *Broker) exportKeys(r *http.Request, l store.Lease, x *audit.Export) error {
	for _, id := range l.NodeIDs {
		n, err := b.st.Node(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return storeProblem(err, "node")
		}
		x.NodeKeys[id] = n.PublicKey
	}
	return nil
}
