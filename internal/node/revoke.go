package node

import (
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
)

// revocations remembers which leases the node has revoked and until when,
// so that the same entry, repeated in every heartbeat answer for a token
// lifetime, is logged once.
type revocations struct {
	mu   sync.Mutex
	seen map[string]time.Time // lease ID → until; pruned once past
}

// note records leaseID as revoked until until and reports whether it is
// news. Entries past their time are forgotten on the way.
func (r *revocations) note(leaseID string, until, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = make(map[string]time.Time)
	}
	for id, t := range r.seen {
		if !now.Before(t) {
			delete(r.seen, id)
		}
	}
	prev, known := r.seen[leaseID]
	if !known || until.After(prev) {
		r.seen[leaseID] = until
	}
	return !known
}

// revoke makes the exit refuse leaseID's tokens until until and ends its
// open tunnels. Tunnels end even when until has passed: a lease that
// expired has no valid tokens left, but its tunnels may still be open.
func (n *Node) revoke(leaseID string, until time.Time, why string) {
	n.verifier.Revoke(leaseID, until)
	closed := n.exit.CloseLease(leaseID)
	n.removeWireGuardLease(leaseID)
	if n.revoked.note(leaseID, until, time.Now()) || closed > 0 {
		n.log.Info("lease revoked", zap.String("lease", leaseID), zap.String("by", why),
			zap.Time("until", until), zap.Int("tunnels_closed", closed))
	}
}

// applyRevocations applies a heartbeat answer's revocation list.
func (n *Node) applyRevocations(revoked []api.Revocation) {
	for _, r := range revoked {
		if r.LeaseID == "" {
			continue
		}
		n.revoke(r.LeaseID, r.Until, "broker")
	}
}

// exhausted revokes a lease the broker reported exhausted in a receipt
// result, right away and until its tokens' longest possible life, and asks
// for a heartbeat so that the broker's own list (with the exact time)
// follows within moments.
func (n *Node) exhausted(leaseID string) {
	n.revoke(leaseID, time.Now().Add(n.cfg.TokenTTL), "exhaustion")
	n.HeartbeatNow()
}
