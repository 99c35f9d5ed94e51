package broker

import (
	"errors"
	"net/http"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/metering/billing"
)

// extendLease buys more of an active (or exhausted) lease: add_seconds
// moves its end, add_bytes raises its byte cap and its hold by their
// price. The answer is the lease with fresh tokens carrying the new cap
// and end.
func (b *Broker) extendLease(w http.ResponseWriter, r *http.Request, p principal) error {
	var req api.ExtendLeaseRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	l, err := b.ownLease(r.Context(), r.PathValue("id"), p)
	if err != nil {
		return err
	}
	if l, err = b.refresh(r.Context(), l); err != nil {
		return err
	}
	ext, err := b.extension(l, req)
	if err != nil {
		return err
	}
	l, err = b.st.ExtendLease(r.Context(), ext)
	if errors.Is(err, store.ErrConflict) {
		return conflict("lease %s has ended and cannot be extended", ext.LeaseID)
	}
	if err != nil {
		return storeProblem(err, "extend lease")
	}
	b.afterHold(r.Context(), l.BuyerID, ext.AddHoldMicros)
	return b.writeLease(w, r.Context(), http.StatusOK, l)
}

// extension checks req against the lease and prices it.
func (b *Broker) extension(l store.Lease, req api.ExtendLeaseRequest) (store.LeaseExtension, error) {
	maxSecs := int64(maxLeaseDuration / time.Second)
	switch {
	case l.Status != store.LeaseActive && l.Status != store.LeaseExhausted:
		return store.LeaseExtension{}, conflict("lease %s is %s and cannot be extended", l.ID, l.Status)
	case req.AddSeconds < 0 || req.AddBytes < 0 || req.AddSeconds == 0 && req.AddBytes == 0:
		return store.LeaseExtension{}, badRequest("give add_seconds, add_bytes or both, each positive")
	case req.AddSeconds > maxSecs || l.ExpiresAt.Add(time.Duration(req.AddSeconds)*time.Second).Sub(b.now()) > maxLeaseDuration:
		return store.LeaseExtension{}, badRequest("a lease may not run longer than %d seconds from now", maxSecs)
	case req.AddBytes > maxLeaseBytes-byteCap(l):
		return store.LeaseExtension{}, badRequest("max_bytes may not exceed %d", int64(maxLeaseBytes))
	}
	total := byteCap(l) + req.AddBytes
	ext := store.LeaseExtension{
		LeaseID: l.ID, AddDuration: time.Duration(req.AddSeconds) * time.Second,
		// The hold of the new total, less what is held, so that the hold
		// stays the price of the whole cap whatever the rounding.
		AddHoldMicros: max(0, billing.HoldFor(total, l.PriceMicrosPerGB)-l.HoldMicros),
	}
	if req.AddBytes > 0 {
		ext.AddMaxBytes = total - l.MaxBytes
	}
	return ext, nil
}
