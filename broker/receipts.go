package broker

import (
	"context"
	"errors"
	"math"
	"net/http"
	"slices"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/metering/billing"
	"github.com/sparelink/sparelink/metering/receipt"
)

// maxReceipts bounds one batch.
const maxReceipts = 500

// receipts settles a batch of signed cumulative receipts. Each receipt
// stands alone: a bad one gets an error in its result and does not fail
// the batch. Settling is idempotent, so batches are safe to resend.
func (b *Broker) receipts(w http.ResponseWriter, r *http.Request, p principal) error {
	var req api.ReceiptBatch
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if len(req.Receipts) == 0 || len(req.Receipts) > maxReceipts {
		return badRequest("receipts must hold 1 to %d receipts", maxReceipts)
	}
	s := settler{b: b, caller: p, nodes: make(map[string]store.Node), leases: make(map[string]store.Lease)}
	out := api.ReceiptResults{Results: make([]api.ReceiptResult, 0, len(req.Receipts))}
	for _, enc := range req.Receipts {
		res, err := s.settle(r.Context(), enc)
		if err != nil {
			return err // the store failed: the caller should retry the batch
		}
		out.Results = append(out.Results, res)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// settler settles the receipts of one batch, caching lookups.
type settler struct {
	b      *Broker
	caller principal
	nodes  map[string]store.Node
	leases map[string]store.Lease
}

// errRefused marks a receipt refused for a reason that is the sender's.
var errRefused = errors.New("receipt refused")

// settle returns the result for one receipt. A refused receipt yields a
// result with Error set; only store failures return an error.
func (s *settler) settle(ctx context.Context, enc string) (api.ReceiptResult, error) {
	rc, err := receipt.Decode(enc)
	if err != nil {
		s.b.metrics.receipts.rejected.Inc()
		return api.ReceiptResult{Error: err.Error()}, nil
	}
	res := api.ReceiptResult{LeaseID: rc.LeaseID, NodeID: rc.NodeID, Seq: rc.Seq}
	res, err = s.settleReceipt(ctx, rc, res)
	if res.Error != "" {
		s.b.metrics.receipts.rejected.Inc()
	}
	return res, err
}

// settleReceipt checks rc, logs it and, when it is billable, settles it.
func (s *settler) settleReceipt(ctx context.Context, rc *receipt.Receipt, res api.ReceiptResult) (api.ReceiptResult, error) {
	l, n, err := s.check(ctx, rc)
	if errors.Is(err, errRefused) {
		res.Error = err.Error()
		return res, nil
	}
	if err != nil {
		return res, err
	}
	if rc.Up > math.MaxInt64-rc.Down {
		res.Error = "receipt totals overflow"
		return res, nil
	}
	s.b.metrics.receipts.verified.Inc()
	if res.Countersigned, err = s.b.logReceipt(ctx, l, rc); err != nil {
		if errors.Is(err, errRefused) {
			res.Error = err.Error()
			return res, nil
		}
		return res, err
	}
	if l.BuyerKey != nil && !res.Countersigned {
		// Only what the buyer countersigned is billed; a claim far above it
		// is a dispute.
		res.Disputed, err = s.b.checkClaim(ctx, l, n, rc)
		return res, err
	}
	return s.apply(ctx, l, rc, res)
}

// apply settles rc's totals on the lease.
func (s *settler) apply(ctx context.Context, l store.Lease, rc *receipt.Receipt, res api.ReceiptResult) (api.ReceiptResult, error) {
	charge := billing.Charge(rc.Up+rc.Down, l.PriceMicrosPerGB)
	sr, err := s.b.st.Settle(ctx, store.Settlement{
		LeaseID: l.ID, NodeID: rc.NodeID, Seq: rc.Seq, BytesUp: rc.Up, BytesDown: rc.Down,
		CumChargeMicros: charge, CumFeeMicros: billing.Fee(charge, l.FeeBPS),
	})
	if err != nil {
		return res, storeProblem(err, "settle")
	}
	s.b.metrics.settled.Add(float64(sr.ChargedMicros))
	s.b.metrics.receipts.observeSettled(rc, sr.Applied)
	if sr.Applied {
		s.b.afterCharge(ctx, l, sr.ChargedMicros)
	}
	res.Applied, res.ChargedMicros, res.Exhausted = sr.Applied, sr.ChargedMicros, sr.Exhausted
	return res, nil
}

// check verifies that rc is signed by its node, that the node belongs to
// the caller, and that the node serves the lease; it returns the lease
// and the node.
func (s *settler) check(ctx context.Context, rc *receipt.Receipt) (store.Lease, store.Node, error) {
	n, err := s.node(ctx, rc.NodeID)
	if err != nil {
		return store.Lease{}, n, err
	}
	if !s.caller.owns(n.OperatorID) {
		return store.Lease{}, n, refuse("node %s belongs to another operator", n.ID)
	}
	if err := rc.Verify(n.PublicKey); err != nil {
		s.b.log.Warn("receipt refused", zap.String("node", n.ID), zap.Error(err))
		return store.Lease{}, n, refuse("%v", err)
	}
	l, err := s.lease(ctx, rc.LeaseID)
	if err != nil {
		return store.Lease{}, n, err
	}
	if !slices.Contains(l.NodeIDs, n.ID) {
		return store.Lease{}, n, refuse("node %s is not an exit of lease %s", n.ID, l.ID)
	}
	return l, n, nil
}

func (s *settler) node(ctx context.Context, id string) (store.Node, error) {
	if n, ok := s.nodes[id]; ok {
		return n, nil
	}
	n, err := s.b.st.Node(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return n, refuse("unknown node %s", id)
	}
	if err == nil {
		s.nodes[id] = n
	}
	return n, err
}

func (s *settler) lease(ctx context.Context, id string) (store.Lease, error) {
	if l, ok := s.leases[id]; ok {
		return l, nil
	}
	l, err := s.b.st.Lease(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return l, refuse("unknown lease %s", id)
	}
	if err == nil {
		s.leases[id] = l
	}
	return l, err
}
