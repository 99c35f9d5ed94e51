package audit

import (
	"errors"
	"fmt"
	"sort"

	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/metering/billing"
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/metering/receipt"
)

// ErrUnknownNode means a receipt names a node the export has no key for,
// or a node line's key does not derive its node ID.
var ErrUnknownNode = errors.New("receipt export: unknown node")

// ExitBill is what one exit of the lease earns by its receipts.
type ExitBill struct {
	NodeID   string
	Receipts int
	// Last is the exit's last receipt; Billable what the buyer pays for:
	// the last countersigned receipt's totals when the lease has a buyer
	// key, else the last receipt's (NodeAttested).
	Last         *receipt.Receipt
	Billable     meter.Totals
	NodeAttested bool
	Amounts      billing.Amounts
}

// Bill is the lease's bill recomputed from its receipts. It is the
// cumulative charge of each exit's billable bytes; the broker also caps
// the sum at the lease's hold, which the export does not carry.
type Bill struct {
	LeaseID string
	Exits   []ExitBill
	Total   billing.Amounts
}

// Verify checks every receipt of x: it names the lease, its node's key
// derives the node ID and signed it, each node's receipts form one hash
// chain in order (receipt.CheckLink), and countersignatures verify with
// the buyer's key. It returns the recomputed bill, or the first problem.
func Verify(x *Export) (Bill, error) {
	for id, k := range x.NodeKeys {
		if identity.NodeID(k) != id {
			return Bill{}, fmt.Errorf("%w: key of %s derives node %s", ErrUnknownNode, id, identity.NodeID(k))
		}
	}
	byNode := make(map[string][]*receipt.Receipt)
	for _, r := range x.Receipts {
		byNode[r.NodeID] = append(byNode[r.NodeID], r)
	}
	bill := Bill{LeaseID: x.LeaseID}
	ids := make([]string, 0, len(byNode))
	for id := range byNode {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		eb, err := x.verifyExit(id, byNode[id])
		if err != nil {
			return Bill{}, fmt.Errorf("node %s: %w", id, err)
		}
		bill.Exits = append(bill.Exits, eb)
		bill.Total.ChargeMicros += eb.Amounts.ChargeMicros
		bill.Total.FeeMicros += eb.Amounts.FeeMicros
		bill.Total.SellerMicros += eb.Amounts.SellerMicros
	}
	return bill, nil
}

// verifyExit checks one exit's chain and bills it.
func (x *Export) verifyExit(nodeID string, rs []*receipt.Receipt) (ExitBill, error) {
	key, ok := x.NodeKeys[nodeID]
	if !ok {
		return ExitBill{}, ErrUnknownNode
	}
	eb := ExitBill{NodeID: nodeID, Receipts: len(rs), NodeAttested: x.BuyerKey == nil}
	var prev *receipt.Receipt
	for _, r := range rs {
		if r.LeaseID != x.LeaseID {
			return eb, fmt.Errorf("seq %d: %w: lease %s in the export of %s", r.Seq, receipt.ErrMismatch, r.LeaseID, x.LeaseID)
		}
		if err := r.Verify(key); err != nil {
			return eb, fmt.Errorf("seq %d: %w", r.Seq, err)
		}
		if err := receipt.CheckLink(prev, r); err != nil {
			return eb, err
		}
		switch {
		case x.BuyerKey == nil:
			eb.Billable = r.Totals()
		case len(r.BuyerSig) > 0:
			if err := r.VerifyCountersign(x.BuyerKey); err != nil {
				return eb, fmt.Errorf("seq %d: %w", r.Seq, err)
			}
			eb.Billable = r.Totals()
		}
		prev = r
	}
	eb.Last = prev
	eb.Amounts = billing.Cumulative(eb.Billable, x.PriceMicrosPerGB, x.FeeBPS)
	return eb, nil
}
