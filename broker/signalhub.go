package broker

import (
	"hash/fnv"
	"sync"
	"time"

	"github.com/sparelink/sparelink/broker/api"
)

// reachTTL is how long a reachability report counts; nodes report again
// on every change and at least every few minutes.
const reachTTL = 10 * time.Minute

// signalHub keeps, in this replica's memory, the buyers' requests that
// wait for an answer and the nodes' latest reachability reports.
type signalHub struct {
	now func() time.Time

	mu      sync.Mutex
	pending map[string]pendingSignal
	reach   map[string]reachReport
}

type pendingSignal struct {
	nodeID  string
	answers chan api.SignalAnswer // buffered: deliver never blocks
}

type reachReport struct {
	r  api.Reachability
	at time.Time
}

func newSignalHub(now func() time.Time) *signalHub {
	return &signalHub{now: now, pending: make(map[string]pendingSignal), reach: make(map[string]reachReport)}
}

// expect registers signal id to node and returns where its answer comes.
func (h *signalHub) expect(id, nodeID string) <-chan api.SignalAnswer {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := make(chan api.SignalAnswer, 1)
	h.pending[id] = pendingSignal{nodeID: nodeID, answers: c}
	return c
}

func (h *signalHub) forget(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.pending, id)
}

// deliver hands a's answer to the waiting request, if the signal was sent
// to nodeID and not answered yet.
func (h *signalHub) deliver(a api.SignalAnswer, nodeID string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	p, ok := h.pending[a.SignalID]
	if !ok || p.nodeID != nodeID {
		return false
	}
	delete(h.pending, a.SignalID)
	p.answers <- a
	return true
}

// report keeps a node's reachability.
func (h *signalHub) report(nodeID string, r api.Reachability) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reach[nodeID] = reachReport{r: r, at: h.now()}
}

// view is a node's reachability for listings, with the path buyers take
// and the relay assigned; nil when the node has not reported lately.
func (h *signalHub) view(nodeID string) *api.Reachability {
	h.mu.Lock()
	defer h.mu.Unlock()
	rep, ok := h.reach[nodeID]
	if !ok || h.now().Sub(rep.at) > reachTTL {
		return nil
	}
	v := rep.r
	v.Path = api.PathDirect
	if needsHelp(v.Code) {
		v.Path = api.PathPunch
		v.Relay = h.relayLocked(nodeID)
	}
	return &v
}

// relayFor is the rendezvous relay assigned to nodeID, if it needs one.
func (h *signalHub) relayFor(nodeID string) *api.RelayRoute {
	h.mu.Lock()
	defer h.mu.Unlock()
	rep, ok := h.reach[nodeID]
	if !ok || !needsHelp(rep.r.Code) {
		return nil
	}
	return h.relayLocked(nodeID)
}

// relayLocked picks among the relays that reported lately by rendezvous
// hashing, so every replica picks the same one for a node and a relay
// leaving moves only its own nodes.
func (h *signalHub) relayLocked(nodeID string) *api.RelayRoute {
	var best *api.RelayRoute
	var bestScore uint64
	for id, rep := range h.reach {
		if id == nodeID || rep.r.Forwarder == "" || h.now().Sub(rep.at) > reachTTL {
			continue
		}
		f := fnv.New64a()
		f.Write([]byte(nodeID + "|" + id))
		if s := f.Sum64(); best == nil || s > bestScore {
			best, bestScore = &api.RelayRoute{NodeID: id, Addr: rep.r.Forwarder}, s
		}
	}
	return best
}

// needsHelp reports whether buyers cannot simply dial a node with code.
func needsHelp(code string) bool {
	switch code {
	case api.ReachBehindNAT, api.ReachBehindCGNAT, api.ReachUnknown:
		return true
	}
	return false
}

// exitTraversal is how buyers of lease reach nodeID when they cannot
// dial it; nil when they can, or when the node has not reported lately.
func (h *signalHub) exitTraversal(leaseID, nodeID string) *api.ExitTraversal {
	v := h.view(nodeID)
	if v == nil || v.Path != api.PathPunch {
		return nil
	}
	return &api.ExitTraversal{Signal: "/v1/leases/" + leaseID + "/exits/" + nodeID + "/signal", Relay: v.Relay}
}
