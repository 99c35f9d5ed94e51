package broker

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/metering/billing"
)

// quote prices a request without buying anything. No supply is not an
// error here: the quote then says zero exits at price zero.
func (b *Broker) quote(w http.ResponseWriter, r *http.Request, _ principal) error {
	req, err := b.readLeaseRequest(w, r)
	if err != nil {
		return err
	}
	o, err := b.match(r.Context(), req)
	if err != nil {
		return err
	}
	o.price = b.leasePrice(o.exits)
	q := api.Quote{
		AvailableExits: o.available, Operators: o.operators, FeeBPS: b.cfg.FeeBPS, MaxBytes: req.MaxBytes,
		Quality: quoteQuality(o.exits),
	}
	for _, n := range o.exits {
		q.SpareBps += n.SpareBps
	}
	if len(o.exits) > 0 {
		q.PriceMicrosPerGB = o.price
		q.HoldMicros = billing.HoldFor(req.MaxBytes, o.price)
		rate := req.RateBps
		if rate == 0 {
			rate = q.SpareBps
		}
		q.PriceMicrosPerHour = billing.Charge(rate*secondsPerHour, o.price)
	}
	writeJSON(w, http.StatusOK, q)
	return nil
}

// secondsPerHour prices an hour of traffic; rates are capped far below
// the product overflowing.
const secondsPerHour = 3600

func (b *Broker) readLeaseRequest(w http.ResponseWriter, r *http.Request) (api.LeaseRequest, error) {
	data, err := readBody(w, r)
	if err != nil {
		return api.LeaseRequest{}, err
	}
	return decodeLeaseRequest(data, b.cfg.DefaultLeaseDuration)
}

// createLease matches exits, holds the price of MaxBytes on the buyer's
// balance and returns the exits with fresh tokens. Repeats of an
// Idempotency-Key get the first answer (see idempotent); the store also
// keeps the key with the lease, so that a retry after an answer was lost
// to a broker failure finds the lease it bought.
func (b *Broker) createLease(w http.ResponseWriter, r *http.Request, p principal) error {
	idem := r.Header.Get(api.HeaderIdempotencyKey)
	req, err := b.readLeaseRequest(w, r)
	if err != nil {
		return err
	}
	o, err := b.match(r.Context(), req)
	if err != nil {
		return err
	}
	if len(o.exits) == 0 {
		return newProblem(http.StatusConflict, api.CodeNoSupply, "no online exit matches the coverage and protocols")
	}
	if err := needWireGuardKey(req); err != nil {
		return err
	}
	o.price = b.leasePrice(o.exits)
	l := b.newLease(p.AccountID, req, o)
	l.KeyID = p.KeyID
	if l.HoldMicros < 1 {
		return badRequest("max_bytes %d costs nothing at %d micros per GB; ask for more", req.MaxBytes, o.price)
	}
	stored, created, err := b.st.CreateLease(r.Context(), idem, requestHash(req), l)
	if err != nil {
		return storeProblem(err, "lease")
	}
	if created {
		b.metrics.leases.Inc()
		b.afterHold(r.Context(), p.AccountID, stored.HoldMicros)
	}
	if err := b.admitWireGuard(r.Context(), stored, req); err != nil {
		return err
	}
	return b.writeLease(w, r.Context(), http.StatusCreated, stored)
}

func (b *Broker) newLease(buyer string, req api.LeaseRequest, o offer) store.Lease {
	now := b.now()
	l := store.Lease{
		ID: newID(prefixLease), BuyerID: buyer, Status: store.LeaseActive,
		PriceMicrosPerGB: o.price, FeeBPS: b.cfg.FeeBPS, MaxBytes: req.MaxBytes, Mode: req.Mode,
		HoldMicros: billing.HoldFor(req.MaxBytes, o.price), RateBps: req.RateBps,
		Protocols: req.Protocols, CreatedAt: now, BuyerKey: buyerKeyOf(req.BuyerKey),
		Coverage: store.Coverage{
			Country: req.Coverage.Country, Subdivision: req.Coverage.Subdivision, City: req.Coverage.City,
			ASN: req.Coverage.ASN, ConnType: req.Coverage.ConnectionType,
		},
		ExpiresAt: now.Add(time.Duration(req.DurationSeconds) * time.Second),
	}
	for _, n := range o.exits {
		l.NodeIDs = append(l.NodeIDs, n.ID)
	}
	return l
}

// writeLease brings l up to date and sends it with credentials.
func (b *Broker) writeLease(w http.ResponseWriter, ctx context.Context, status int, l store.Lease) error {
	l, err := b.refresh(ctx, l)
	if err != nil {
		return err
	}
	v, err := b.leaseView(ctx, l, true)
	if err != nil {
		return err
	}
	writeJSON(w, status, v)
	return nil
}

// ownLease loads a lease the caller may see. Other buyers' leases are not
// found, to leak nothing.
func (b *Broker) ownLease(ctx context.Context, id string, p principal) (store.Lease, error) {
	l, err := b.st.Lease(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !p.owns(l.BuyerID)) {
		return l, notFound("lease not found")
	}
	return l, storeProblem(err, "lease")
}

// refresh closes l as expired when its time is up, and otherwise keeps
// track of when it will be.
func (b *Broker) refresh(ctx context.Context, l store.Lease) (store.Lease, error) {
	if l.Status != store.LeaseActive {
		b.expiry.remove(l.ID)
		return l, nil
	}
	if b.now().Before(l.ExpiresAt) {
		b.expiry.add(l.ID, l.ExpiresAt)
		return l, nil
	}
	closed, err := b.st.CloseLease(ctx, l.ID, store.LeaseExpired, b.now())
	if err != nil {
		return l, storeProblem(err, "expire lease")
	}
	b.expiry.remove(l.ID)
	if closed.Status == store.LeaseExpired && closed.ClosedAt.Equal(b.now()) {
		b.ended(ctx, closed) // this call expired it
	}
	return closed, nil
}
