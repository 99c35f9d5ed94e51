package broker

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/internal/identity"
)

// registerNode adds or updates an exit after the operator proved, by
// signing a fresh challenge, that it holds the node's key.
// checkProof validates a registration and its proof of key possession: a
// challenge this broker issued to accountID, signed by the node key.
func (b *Broker) checkProof(req api.RegisterNodeRequest, accountID string) (ed25519.PublicKey, error) {
	pub, sig, err := checkRegistration(req)
	if err != nil {
		return nil, err
	}
	if err := b.checkChallenge(req.Challenge, accountID); err != nil {
		return nil, err
	}
	if !ed25519.Verify(pub, []byte(api.NodeRegistrationContext+req.Challenge), sig) {
		return nil, unauthorized("signature does not verify with public_key")
	}
	return pub, nil
}

func (b *Broker) registerNode(w http.ResponseWriter, r *http.Request, p principal) error {
	var req api.RegisterNodeRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	pub, err := b.checkProof(req, p.AccountID)
	if err != nil {
		return err
	}
	wgKey, err := checkWireGuardListing(req)
	if err != nil {
		return err
	}
	n := nodeFromRequest(req, pub, p.AccountID, b.now())
	old, err := b.st.Node(r.Context(), n.ID)
	created := errors.Is(err, store.ErrNotFound)
	switch {
	case err != nil && !created:
		return storeProblem(err, "node")
	case !created && old.OperatorID != p.AccountID:
		return conflict("node %s belongs to another operator", n.ID)
	case !created:
		n.CreatedAt, n.SpareBps = old.CreatedAt, min(old.SpareBps, n.CapacityBps)
	}
	if err := b.st.UpsertNode(r.Context(), n); err != nil {
		return storeProblem(err, "node")
	}
	n.WGPublicKey, n.WGAddr = wgKey, req.WireGuardAddr
	if err := b.st.SetNodeWireGuard(r.Context(), n.ID, n.WGPublicKey, n.WGAddr); err != nil {
		return storeProblem(err, "node")
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, b.nodeView(n, true))
	return nil
}

// getNode shows one node as the caller may see it: the operator that owns
// it (and admins) with its operator ID, others without.
func (b *Broker) getNode(w http.ResponseWriter, r *http.Request, p principal) error {
	n, err := b.st.Node(r.Context(), r.PathValue("id"))
	if err != nil {
		return storeProblem(err, "node")
	}
	writeJSON(w, http.StatusOK, b.nodeView(n, p.owns(n.OperatorID)))
	return nil
}

// checkRegistration validates every field and returns the decoded key and
// signature.
func checkRegistration(req api.RegisterNodeRequest) (ed25519.PublicKey, []byte, error) {
	pub, ok := decodeB64(req.PublicKey, ed25519.PublicKeySize)
	if !ok {
		return nil, nil, badRequest("public_key must be a base64 Ed25519 public key")
	}
	sig, ok := decodeB64(req.Signature, ed25519.SignatureSize)
	if !ok {
		return nil, nil, badRequest("signature must be a base64 Ed25519 signature")
	}
	rg := req.Region
	if err := checkRegion("region", rg.Country, rg.Subdivision, rg.City, true); err != nil {
		return nil, nil, err
	}
	if err := checkProtocols(req.Protocols); err != nil {
		return nil, nil, err
	}
	switch {
	case !validASN(req.ASN):
		return nil, nil, badRequest("asn must be from 0 (unknown) to %d", int64(maxASN))
	case !validConnType(req.ConnectionType):
		return nil, nil, badRequest("connection_type must be residential, business, mobile or datacenter")
	case slices.Contains(req.Protocols, api.ProtocolQUIC) && !validHostPort(req.QUICAddr):
		return nil, nil, badRequest("quic_addr must be host:port")
	case req.QUICAddr != "" && !validHostPort(req.QUICAddr):
		return nil, nil, badRequest("quic_addr must be host:port")
	case req.PriceMicrosPerGB <= 0 || req.PriceMicrosPerGB > maxPriceMicros:
		return nil, nil, badRequest("price_micros_per_gb must be from 1 to %d", int64(maxPriceMicros))
	case req.CapacityBps <= 0 || req.CapacityBps > maxBytesPerSecond:
		return nil, nil, badRequest("capacity_bps must be from 1 to %d", int64(maxBytesPerSecond))
	case req.EgressSummary != "" && !validText(req.EgressSummary, maxEgressLen):
		return nil, nil, badRequest("egress_summary must be at most %d bytes of text", maxEgressLen)
	}
	return pub, sig, nil
}

func nodeFromRequest(req api.RegisterNodeRequest, pub ed25519.PublicKey, operator string, now time.Time) store.Node {
	return store.Node{
		ID:               identity.NodeID(pub),
		OperatorID:       operator,
		PublicKey:        pub,
		Region:           store.Region(req.Region),
		ASN:              req.ASN,
		ConnType:         req.ConnectionType,
		Protocols:        slices.Clone(req.Protocols),
		QUICAddr:         req.QUICAddr,
		PriceMicrosPerGB: req.PriceMicrosPerGB,
		CapacityBps:      req.CapacityBps,
		SpareBps:         req.CapacityBps,
		EgressSummary:    req.EgressSummary,
		LastSeen:         now,
		CreatedAt:        now,
	}
}

// online reports whether n was seen within the heartbeat TTL, by the same
// rule as the store's SeenSince filter.
func (b *Broker) online(n store.Node) bool {
	return !n.LastSeen.IsZero() && !n.LastSeen.Before(b.seenSince())
}

// seenSince is the oldest LastSeen of a node that is still online.
func (b *Broker) seenSince() time.Time { return b.now().Add(-b.cfg.HeartbeatTTL) }

// nodeView is the API form of n; the operator is named only when
// showOperator is set.
func (b *Broker) nodeView(n store.Node, showOperator bool) api.Node {
	v := api.Node{
		ID: n.ID, PublicKey: base64.StdEncoding.EncodeToString(n.PublicKey),
		Region: api.Region(n.Region), ASN: n.ASN, ConnectionType: n.ConnType,
		Protocols: n.Protocols, QUICAddr: n.QUICAddr, PriceMicrosPerGB: n.PriceMicrosPerGB,
		CapacityBps: n.CapacityBps, SpareBps: n.SpareBps, EgressSummary: n.EgressSummary,
		Status: api.NodeOffline, LastSeen: n.LastSeen, CreatedAt: n.CreatedAt,
	}
	if b.online(n) {
		v.Status = api.NodeOnline
		v.Available = available(n)
	}
	v.UnavailableReason = unavailableReason(n)
	if v.Status != api.NodeOnline {
		v.UnavailableReason = api.NodeOffline
	}
	reportView(&v, n)
	v.Reachability = b.signals.view(n.ID)
	if showOperator {
		v.OperatorID = n.OperatorID
	}
	if n.WGAddr != "" && len(n.WGPublicKey) > 0 {
		v.WireGuardAddr, v.WireGuardPublicKey = n.WGAddr, base64.StdEncoding.EncodeToString(n.WGPublicKey)
	}
	return v
}
