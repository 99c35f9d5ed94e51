package receipt

import (
	"crypto/ed25519"
	"slices"
	"sync"
	"time"

	"github.com/sparelink/sparelink/metering/meter"
)

// Issuer signs the receipts of one node, keeping each lease's hash chain:
// every receipt it issues for a lease carries the Hash of the one before.
// Sequence numbers are the clock in milliseconds, or one more than the
// lease's last receipt when the clock has not moved on, so they keep
// increasing across restarts even when the chain's head was lost. It is
// safe for concurrent use.
type Issuer struct {
	nodeID string
	key    ed25519.PrivateKey
	now    func() time.Time

	mu    sync.Mutex
	heads map[string]*Receipt // last receipt issued, per lease
}

// NewIssuer returns an issuer signing for nodeID with key. now is the
// clock; nil means time.Now.
func NewIssuer(key ed25519.PrivateKey, nodeID string, now func() time.Time) *Issuer {
	if now == nil {
		now = time.Now
	}
	return &Issuer{nodeID: nodeID, key: key, now: now, heads: make(map[string]*Receipt)}
}

// Resume makes r the head of its lease's chain, for a node that restarts
// from receipts it stored. An r that is not newer than the head is
// ignored, as is one of another node.
func (i *Issuer) Resume(r *Receipt) {
	if r == nil || r.NodeID != i.nodeID {
		return
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if h := i.heads[r.LeaseID]; h == nil || r.Seq > h.Seq {
		i.heads[r.LeaseID] = clone(r)
	}
}

// Issue returns a new signed receipt for the lease's totals t, linked to
// the lease's last one, and true. When t is what the last receipt already
// says, or zero for a lease with no receipt yet, it returns the last
// receipt (nil if none) and false. Counts below the last receipt's, from a
// meter that restarted without being seeded, are raised to it so that the
// chain never goes backwards.
func (i *Issuer) Issue(leaseID string, t meter.Totals) (*Receipt, bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	head := i.heads[leaseID]
	next := &Receipt{LeaseID: leaseID, NodeID: i.nodeID, Up: t.Up, Down: t.Down, Time: i.now()}
	next.Seq = uint64(max(next.Time.UnixMilli(), 1))
	if head != nil {
		next.Up, next.Down = max(next.Up, head.Up), max(next.Down, head.Down)
		if next.Up == head.Up && next.Down == head.Down {
			return clone(head), false
		}
		next.Seq = max(next.Seq, head.Seq+1)
		next.Prev = head.Hash()
	} else if t == (meter.Totals{}) {
		return nil, false
	}
	next.Sign(i.key)
	i.heads[leaseID] = next
	return clone(next), true
}

// Last returns the lease's last receipt, or nil.
func (i *Issuer) Last(leaseID string) *Receipt {
	i.mu.Lock()
	defer i.mu.Unlock()
	return clone(i.heads[leaseID])
}

// Forget drops a lease's chain, for leases that are over and uploaded.
func (i *Issuer) Forget(leaseID string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	delete(i.heads, leaseID)
}

// clone copies r so that callers may countersign their copy.
func clone(r *Receipt) *Receipt {
	if r == nil {
		return nil
	}
	c := *r
	c.Sig, c.BuyerSig = slices.Clone(r.Sig), slices.Clone(r.BuyerSig)
	return &c
}

// Clone returns a deep copy of r, or nil for nil.
func (r *Receipt) Clone() *Receipt { return clone(r) }
