package broker

import (
	"net/http"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
)

func (b *Broker) getLease(w http.ResponseWriter, r *http.Request, p principal) error {
	l, err := b.ownLease(r.Context(), r.PathValue("id"), p)
	if err != nil {
		return err
	}
	return b.writeLease(w, r.Context(), http.StatusOK, l)
}

// listLeases lists the caller's leases in ID order, without tokens.
func (b *Broker) listLeases(w http.ResponseWriter, r *http.Request, p principal) error {
	pg, err := readPage(r.URL.Query())
	if err != nil {
		return err
	}
	leases, err := b.st.Leases(r.Context(), p.AccountID, pg.after, pg.fetch())
	if err != nil {
		return storeProblem(err, "leases")
	}
	leases, more := trim(leases, pg)
	out := api.LeaseList{Leases: make([]api.Lease, 0, len(leases)), HasMore: more}
	for _, l := range leases {
		if l, err = b.refresh(r.Context(), l); err != nil {
			return err
		}
		v, err := b.leaseView(r.Context(), l, false)
		if err != nil {
			return err
		}
		out.Leases = append(out.Leases, v)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// closeLease ends a lease early and releases what is left of its hold.
// Closing a lease that already ended changes nothing.
func (b *Broker) closeLease(w http.ResponseWriter, r *http.Request, p principal) error {
	if err := decodeBody(w, r, &struct{}{}); err != nil {
		return err
	}
	l, err := b.ownLease(r.Context(), r.PathValue("id"), p)
	if err != nil {
		return err
	}
	if l, err = b.refresh(r.Context(), l); err != nil {
		return err
	}
	if l.Status == store.LeaseActive {
		if l, err = b.st.CloseLease(r.Context(), l.ID, store.LeaseClosed, b.now()); err != nil {
			return storeProblem(err, "close lease")
		}
		b.expiry.remove(l.ID)
		b.ended(r.Context(), l)
	}
	return b.writeLease(w, r.Context(), http.StatusOK, l)
}

// usage reports what a lease's exits have settled so far.
func (b *Broker) usage(w http.ResponseWriter, r *http.Request, p principal) error {
	l, err := b.ownLease(r.Context(), r.PathValue("id"), p)
	if err != nil {
		return err
	}
	rows, err := b.st.Usage(r.Context(), l.ID)
	if err != nil {
		return storeProblem(err, "usage")
	}
	out := api.Usage{LeaseID: l.ID, Exits: make([]api.ExitUsage, 0, len(rows))}
	for _, u := range rows {
		out.Exits = append(out.Exits, api.ExitUsage{
			NodeID: u.NodeID, Seq: u.Seq, BytesUp: u.BytesUp, BytesDown: u.BytesDown,
			ChargedMicros: u.ChargedMicros, FeeMicros: u.FeeMicros,
		})
		out.ChargedMicros += u.ChargedMicros
		out.FeeMicros += u.FeeMicros
	}
	out.SellerMicros = out.ChargedMicros - out.FeeMicros
	writeJSON(w, http.StatusOK, out)
	return nil
}
