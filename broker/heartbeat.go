package broker

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
)

func (b *Broker) heartbeat(w http.ResponseWriter, r *http.Request, p principal) error {
	var req api.HeartbeatRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if req.SpareBps < 0 || req.SpareBps > maxBytesPerSecond {
		return badRequest("spare_bps must be from 0 to %d", int64(maxBytesPerSecond))
	}
	report, err := reportOf(req, b.now())
	if err != nil {
		return err
	}
	n, err := b.st.Node(r.Context(), r.PathValue("id"))
	if err != nil {
		return storeProblem(err, "node")
	}
	if !p.owns(n.OperatorID) {
		return forbidden("node %s belongs to another operator", n.ID)
	}
	if err := b.st.RecordHeartbeat(r.Context(), store.Heartbeat{NodeID: n.ID, SpareBps: req.SpareBps, Report: report, At: b.now()}); err != nil {
		return storeProblem(err, "heartbeat")
	}
	revoked, err := b.revocations(r.Context(), n.ID)
	if err != nil {
		return storeProblem(err, "ended leases")
	}
	writeJSON(w, http.StatusOK, api.HeartbeatResponse{
		NodeID:               n.ID,
		Status:               api.NodeOnline,
		NextHeartbeatSeconds: max(1, int(b.cfg.HeartbeatTTL/3/time.Second)),
		Revoked:              revoked,
	})
	return nil
}

// maxRevocations bounds one heartbeat answer's revocation list. A node
// serving more leases that ended within one token lifetime learns of the
// most recent ones; the rest lose their tunnels when their tokens expire.
const maxRevocations = 1000

// revocations lists the node's leases that ended within the last token
// lifetime: every token issued for such a lease was issued while it was
// active, so it expires by the end time plus the token lifetime, or the
// lease's expiry if sooner. Older ended leases have no live tokens left.
func (b *Broker) revocations(ctx context.Context, nodeID string) ([]api.Revocation, error) {
	ended, err := b.st.EndedLeases(ctx, nodeID, b.now().Add(-b.cfg.TokenTTL), maxRevocations)
	if err != nil {
		return nil, err
	}
	out := make([]api.Revocation, 0, len(ended))
	for _, e := range ended {
		until := minTime(e.ExpiresAt, e.EndedAt.Add(b.cfg.TokenTTL))
		out = append(out, api.Revocation{LeaseID: e.LeaseID, Until: until})
	}
	return out, nil
}

// listNodes lists exits, filtered by the query: country, subdivision,
// city, asn, connection_type, protocol, online (true: only nodes seen
// within the heartbeat TTL), a page at a time in ID order.
func (b *Broker) listNodes(w http.ResponseWriter, r *http.Request, p principal) error {
	f, pg, err := b.nodeFilter(r)
	if err != nil {
		return err
	}
	nodes, err := b.st.Nodes(r.Context(), f)
	if err != nil {
		return storeProblem(err, "nodes")
	}
	nodes, more := trim(nodes, pg)
	out := api.NodeList{Nodes: make([]api.Node, 0, len(nodes)), HasMore: more}
	for _, n := range nodes {
		out.Nodes = append(out.Nodes, b.nodeView(n, p.owns(n.OperatorID)))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (b *Broker) nodeFilter(r *http.Request) (store.NodeFilter, page, error) {
	q := r.URL.Query()
	pg, err := readPage(q)
	if err != nil {
		return store.NodeFilter{}, pg, err
	}
	f := store.NodeFilter{
		Country: q.Get("country"), Subdivision: q.Get("subdivision"), City: q.Get("city"),
		ConnType: q.Get("connection_type"), Protocol: q.Get("protocol"),
		AfterID: pg.after, Limit: pg.fetch(),
	}
	if err := checkRegion("query", f.Country, f.Subdivision, f.City, false); err != nil {
		return f, pg, err
	}
	if f.ConnType != "" && !validConnType(f.ConnType) {
		return f, pg, badRequest("unknown connection_type %q", f.ConnType)
	}
	if f.Protocol != "" && checkProtocols([]string{f.Protocol}) != nil {
		return f, pg, badRequest("unknown protocol %q", f.Protocol)
	}
	if s := q.Get("asn"); s != "" {
		asn, err := strconv.Atoi(s)
		if err != nil || !validASN(asn) {
			return f, pg, badRequest("malformed asn")
		}
		f.ASN = asn
	}
	switch q.Get("online") {
	case "true":
		f.SeenSince = b.seenSince()
	case "", "false":
	default:
		return f, pg, badRequest("online must be true or false")
	}
	return f, pg, nil
}
