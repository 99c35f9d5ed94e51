package broker

import "github.com/sparelink/sparelink/broker/api"

// Matching prefers exits the buyer can punch a hole to. Two NATs can be
// punched through unless both map each destination to a new port
// (address-dependent, "symmetric"), or one does and the other filters
// what it did not send to; then only the relay connects them, slower and
// at the relay operator's cost. Exits without a report, or with an
// unknown behaviour on either side, count as punchable.

// punchable returns whether the buyer with NAT behaviour buyer can reach
// each node without a relay; nil when the buyer did not say.
func (h *signalHub) punchable(buyer *api.NATBehavior) func(nodeID string) bool {
	if buyer == nil {
		return nil
	}
	b := *buyer
	return func(nodeID string) bool {
		h.mu.Lock()
		rep, ok := h.reach[nodeID]
		h.mu.Unlock()
		switch {
		case !ok || !needsHelp(rep.r.Code):
			return true
		case rep.r.NAT == nil:
			return true
		}
		return canPunch(b, *rep.r.NAT)
	}
}

// canPunch applies the rule above.
func canPunch(a, b api.NATBehavior) bool {
	sym := func(x api.NATBehavior) bool { return x.Mapping == api.NATAddressDependent }
	filters := func(x api.NATBehavior) bool { return x.Filtering == api.NATAddressDependent }
	switch {
	case sym(a) && sym(b):
		return false
	case sym(a):
		return !filters(b)
	case sym(b):
		return !filters(a)
	}
	return true
}

// boolOrder sorts false before true.
func boolOrder(b bool) int {
	if b {
		return 1
	}
	return 0
}
