package node

import (
	"sync"
	"time"

	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/metering/receipt"
)

// issuer turns the meter's cumulative counts into signed receipts. Sequence
// numbers start from the clock in milliseconds so they keep increasing
// across restarts of the node.
type issuer struct {
	key   identity.Key
	meter *meter.Meter

	mu   sync.Mutex
	sent map[string]meter.Totals // last totals put in a receipt, per lease
	seq  uint64
}

func newIssuer(key identity.Key, m *meter.Meter) *issuer {
	return &issuer{key: key, meter: m, sent: make(map[string]meter.Totals)}
}

// next returns receipts for the leases whose counts changed.
func (s *issuer) next() []*receipt.Receipt {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	s.seq = max(s.seq+1, uint64(now.UnixMilli()))
	var out []*receipt.Receipt
	for _, id := range s.meter.LeaseIDs() {
		t := s.meter.Lease(id).Totals()
		if t == s.sent[id] {
			continue
		}
		r := &receipt.Receipt{
			LeaseID: id, NodeID: s.key.NodeID(),
			Seq: s.seq, Up: t.Up, Down: t.Down, Time: now,
		}
		r.Sign(s.key.Private)
		s.sent[id] = t
		out = append(out, r)
	}
	return out
}

// retry forgets that batch was sent so the next call issues it again.
func (s *issuer) retry(batch []*receipt.Receipt) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range batch {
		delete(s.sent, r.LeaseID)
	}
}
