package broker

import (
	"net/http"
	"slices"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/metering/receipt"
)

// reportDispute records a receipt the buyer's side refused: it must carry
// the signature of an exit of the buyer's lease, and claim more than the
// buyer says it counted.
func (b *Broker) reportDispute(w http.ResponseWriter, r *http.Request, p principal) error {
	l, err := b.ownLease(r.Context(), r.PathValue("id"), p)
	if err != nil {
		return err
	}
	var req api.DisputeReport
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	rc, err := receipt.Decode(req.Receipt)
	if err != nil {
		return badRequest("receipt: %v", err)
	}
	if req.BuyerUp < 0 || req.BuyerDown < 0 {
		return badRequest("buyer_up and buyer_down must not be negative")
	}
	if rc.LeaseID != l.ID || !slices.Contains(l.NodeIDs, rc.NodeID) {
		return badRequest("receipt is not from an exit of lease %s", l.ID)
	}
	n, err := b.st.Node(r.Context(), rc.NodeID)
	if err != nil {
		return storeProblem(err, "node")
	}
	if err := rc.Verify(n.PublicKey); err != nil {
		return badRequest("receipt: %v", err)
	}
	if rc.Up <= req.BuyerUp && rc.Down <= req.BuyerDown {
		return badRequest("receipt claims no more than the buyer counted")
	}
	d := store.Dispute{LeaseID: l.ID, NodeID: n.ID, Seq: rc.Seq, Source: store.DisputeBuyer,
		BuyerID: l.BuyerID, OperatorID: n.OperatorID, ClaimedUp: rc.Up, ClaimedDown: rc.Down,
		AgreedUp: req.BuyerUp, AgreedDown: req.BuyerDown}
	if err := b.addDispute(r.Context(), d); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, disputeView(d))
	return nil
}

// leaseDisputes lists the disputes of one of the buyer's leases.
func (b *Broker) leaseDisputes(w http.ResponseWriter, r *http.Request, p principal) error {
	l, err := b.ownLease(r.Context(), r.PathValue("id"), p)
	if err != nil {
		return err
	}
	return b.writeDisputes(w, r, store.DisputeFilter{LeaseID: l.ID})
}

// listDisputes lists the disputes of the caller's leases (buyers) or
// nodes (operators).
func (b *Broker) listDisputes(w http.ResponseWriter, r *http.Request, p principal) error {
	f := store.DisputeFilter{BuyerID: p.AccountID}
	if p.Kind == store.KindOperator {
		f = store.DisputeFilter{OperatorID: p.AccountID}
	}
	return b.writeDisputes(w, r, f)
}

func (b *Broker) writeDisputes(w http.ResponseWriter, r *http.Request, f store.DisputeFilter) error {
	ds, err := b.st.Disputes(r.Context(), f)
	if err != nil {
		return storeProblem(err, "disputes")
	}
	out := api.DisputeList{Disputes: make([]api.Dispute, 0, len(ds))}
	for _, d := range ds {
		out.Disputes = append(out.Disputes, disputeView(d))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func disputeView(d store.Dispute) api.Dispute {
	return api.Dispute{LeaseID: d.LeaseID, NodeID: d.NodeID, Seq: d.Seq, Source: d.Source,
		ClaimedUp: d.ClaimedUp, ClaimedDown: d.ClaimedDown, AgreedUp: d.AgreedUp,
		AgreedDown: d.AgreedDown, CreatedAt: d.CreatedAt}
}
