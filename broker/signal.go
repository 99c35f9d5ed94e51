package broker

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
)

// Signalling for NAT traversal: the buyer's POST carries an ICE offer for
// one exit of its lease; the broker queues it as a "signal" command on
// the node's control channel and holds the buyer's request open until
// the node posts its answer, or signalTimeout passes. The answer is
// matched to the waiting request in this replica's memory: behind several
// replicas, the node's answer must reach the replica holding the buyer's
// request (docs/nat.md).

// signalTimeout bounds the buyer's wait for the node's answer; tests
// shorten it.
var signalTimeout = 8 * time.Second

// Signalling limits.
const (
	maxICECandidates  = 32
	maxICECandidate   = 512
	maxICECredential  = 256
	prefixSignal      = "sg_"
	maxSignalIDLength = 64
)

// signalExit relays a buyer's offer to one exit of its lease and returns
// the exit's answer.
func (b *Broker) signalExit(w http.ResponseWriter, r *http.Request, p principal) error {
	var req api.SignalRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if err := checkDescription(req.Offer); err != nil {
		return err
	}
	if err := checkNAT(req.NAT); err != nil {
		return err
	}
	l, err := b.ownLease(r.Context(), r.PathValue("id"), p)
	if err != nil {
		return err
	}
	if l, err = b.refresh(r.Context(), l); err != nil {
		return err
	}
	nodeID := r.PathValue("node")
	switch {
	case l.Status != store.LeaseActive:
		return conflict("lease %s is %s", l.ID, l.Status)
	case !slices.Contains(l.NodeIDs, nodeID):
		return notFound("exit %s is not part of lease %s", nodeID, l.ID)
	}
	id := newID(prefixSignal)
	answers := b.signals.expect(id, nodeID)
	defer b.signals.forget(id)
	b.command(r.Context(), nodeID, api.CommandSignal,
		api.SignalOffer{SignalID: id, LeaseID: l.ID, Offer: req.Offer, NAT: req.NAT}, b.now().Add(signalTimeout))
	ans, err := awaitAnswer(r.Context(), answers)
	if err != nil {
		return err
	}
	if ans.Error != "" || ans.Answer == nil {
		return newProblem(http.StatusBadGateway, api.CodeSignalRefused, "exit %s refused to punch: %s", nodeID, ans.Error)
	}
	writeJSON(w, http.StatusOK, api.SignalResponse{SignalID: id, Answer: *ans.Answer, Relay: b.signals.relayFor(nodeID)})
	return nil
}

// awaitAnswer waits for the node's answer.
func awaitAnswer(ctx context.Context, answers <-chan api.SignalAnswer) (api.SignalAnswer, error) {
	t := time.NewTimer(signalTimeout)
	defer t.Stop()
	select {
	case a := <-answers:
		return a, nil
	case <-t.C:
		return api.SignalAnswer{}, newProblem(http.StatusGatewayTimeout, api.CodeSignalTimeout,
			"the exit did not answer within %v; it may be offline, or use the relay", signalTimeout)
	case <-ctx.Done():
		return api.SignalAnswer{}, ctx.Err()
	}
}

// signalAnswer takes a node's answer to an offer and hands it to the
// waiting buyer.
func (b *Broker) signalAnswer(w http.ResponseWriter, r *http.Request, p principal) error {
	var ans api.SignalAnswer
	if err := decodeBody(w, r, &ans); err != nil {
		return err
	}
	switch {
	case !validToken(ans.SignalID, maxSignalIDLength):
		return badRequest("signal_id is required")
	case ans.Answer == nil && !validText(ans.Error, 200):
		return badRequest("either answer or error (at most 200 characters) is required")
	case ans.Answer != nil:
		if err := checkDescription(*ans.Answer); err != nil {
			return err
		}
	}
	n, err := b.st.Node(r.Context(), r.PathValue("id"))
	if err != nil {
		return storeProblem(err, "node")
	}
	if !p.owns(n.OperatorID) {
		return forbidden("node %s belongs to another operator", n.ID)
	}
	if !b.signals.deliver(ans, n.ID) {
		return notFound("no buyer waits for signal %s: it expired or was answered", ans.SignalID)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// checkDescription bounds an ICE description; the peers parse candidates.
func checkDescription(d api.ICEDescription) error {
	switch {
	case !validToken(d.Ufrag, maxICECredential) || !validToken(d.Pwd, maxICECredential):
		return badRequest("ufrag and pwd must be 1 to %d printable characters", maxICECredential)
	case len(d.Candidates) > maxICECandidates:
		return badRequest("at most %d candidates", maxICECandidates)
	}
	for _, c := range d.Candidates {
		if !validText(c, maxICECandidate) {
			return badRequest("candidates must be 1 to %d characters of text", maxICECandidate)
		}
	}
	return nil
}

func checkNAT(n *api.NATBehavior) error {
	if n == nil {
		return nil
	}
	for _, v := range []string{n.Mapping, n.Filtering} {
		switch v {
		case api.NATEndpointIndependent, api.NATAddressDependent, api.NATUnknown:
		default:
			return badRequest("nat mapping and filtering must be endpoint_independent, address_dependent or unknown")
		}
	}
	return nil
}
