package broker

import (
	"net/http"
	"net/netip"

	"github.com/sparelink/sparelink/broker/api"
)

// Limits of a reachability report.
const (
	maxReachReasons = 16
	maxReasonLen    = 300
)

// reportReachability keeps a node's reachability report and answers with
// the rendezvous relay it should keep a connection to, if any.
func (b *Broker) reportReachability(w http.ResponseWriter, r *http.Request, p principal) error {
	var rep api.Reachability
	if err := decodeBody(w, r, &rep); err != nil {
		return err
	}
	if err := checkReachability(rep); err != nil {
		return err
	}
	n, err := b.st.Node(r.Context(), r.PathValue("id"))
	if err != nil {
		return storeProblem(err, "node")
	}
	if !p.owns(n.OperatorID) {
		return forbidden("node %s belongs to another operator", n.ID)
	}
	if rep.Forwarder != "" && n.ConnType != api.ConnBusiness && n.ConnType != api.ConnDatacenter {
		// Home agents share a household's line; only relays carry others.
		return forbidden("only business or datacenter relays may run a forwarder; node %s is %s", n.ID, n.ConnType)
	}
	rep.Path, rep.Relay = "", nil // the broker's to fill in
	b.signals.report(n.ID, rep)
	writeJSON(w, http.StatusOK, api.ReachabilityAnswer{Relay: b.signals.relayFor(n.ID)})
	return nil
}

func checkReachability(rep api.Reachability) error {
	switch rep.Code {
	case api.ReachPublic, api.ReachPortMapped, api.ReachBehindNAT, api.ReachBehindCGNAT, api.ReachNoUDP, api.ReachUnknown:
	default:
		return badRequest("code %q is not a reachability verdict", rep.Code)
	}
	if len(rep.Reasons) > maxReachReasons {
		return badRequest("at most %d reasons", maxReachReasons)
	}
	for _, s := range rep.Reasons {
		if !validText(s, maxReasonLen) {
			return badRequest("reasons must be 1 to %d characters of text", maxReasonLen)
		}
	}
	for _, a := range []string{rep.MappedAddr, rep.Forwarder} {
		if _, err := netip.ParseAddrPort(a); a != "" && err != nil {
			return badRequest("mapped_addr and forwarder must be ip:port")
		}
	}
	return checkNAT(rep.NAT)
}
