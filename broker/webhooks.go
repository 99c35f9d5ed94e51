package broker

import (
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"slices"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
)

// Bounds on webhooks.
const (
	maxWebhooks      = 16 // per account
	maxWebhookURLLen = 2048
	webhookSecretLen = 32
	prefixWebhook    = "wh_"
	prefixSecret     = "whsec_"
)

// eventTypes are the events a webhook may ask for.
var eventTypes = []string{api.EventUsageThreshold, api.EventLowBalance, api.EventLeaseExitsChanged}

// createWebhook registers an endpoint for the caller's events and
// returns its signing secret, once.
func (b *Broker) createWebhook(w http.ResponseWriter, r *http.Request, p principal) error {
	var req api.CreateWebhookRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if err := b.checkWebhookURL(req.URL); err != nil {
		return err
	}
	events, err := checkEvents(req.Events)
	if err != nil {
		return err
	}
	have, err := b.st.Webhooks(r.Context(), p.AccountID, "", maxWebhooks+1)
	if err != nil {
		return storeProblem(err, "webhooks")
	}
	if len(have) >= maxWebhooks {
		return conflict("an account may have at most %d webhooks; delete one first", maxWebhooks)
	}
	wh := store.Webhook{ID: newID(prefixWebhook), AccountID: p.AccountID, URL: req.URL, Events: events,
		Secret: prefixSecret + newSecret(webhookSecretLen), CreatedAt: b.now()}
	if err := b.st.CreateWebhook(r.Context(), wh); err != nil {
		return storeProblem(err, "webhook")
	}
	v := webhookView(wh)
	v.Secret = wh.Secret
	writeJSON(w, http.StatusCreated, v)
	return nil
}

// checkWebhookURL accepts absolute https URLs without credentials; with
// Config.WebhookInsecure also http, and any address.
func (b *Broker) checkWebhookURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil || len(s) > maxWebhookURLLen || u.Host == "" || u.User != nil || u.Fragment != "":
		return badRequest("url must be an absolute URL of at most %d bytes, without credentials or fragment", maxWebhookURLLen)
	case u.Scheme != "https" && !(b.cfg.WebhookInsecure && u.Scheme == "http"):
		return badRequest("url must use https")
	}
	if a, err := netip.ParseAddr(u.Hostname()); err == nil && !b.cfg.WebhookInsecure && !publicAddr(a) {
		return badRequest("url must not point at a private, loopback or link-local address")
	}
	return nil
}

// checkEvents requires 1 or more known event types, and drops repeats.
func checkEvents(events []string) ([]string, error) {
	if len(events) == 0 {
		return nil, badRequest("events must list at least one of %v", eventTypes)
	}
	out := make([]string, 0, len(events))
	for _, e := range events {
		if !slices.Contains(eventTypes, e) {
			return nil, badRequest("unknown event %q; want one of %v", e, eventTypes)
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

func webhookView(w store.Webhook) api.Webhook {
	return api.Webhook{ID: w.ID, URL: w.URL, Events: w.Events, CreatedAt: w.CreatedAt}
}

func (b *Broker) listWebhooks(w http.ResponseWriter, r *http.Request, p principal) error {
	pg, err := readPage(r.URL.Query())
	if err != nil {
		return err
	}
	hooks, err := b.st.Webhooks(r.Context(), p.AccountID, pg.after, pg.fetch())
	if err != nil {
		return storeProblem(err, "webhooks")
	}
	hooks, more := trim(hooks, pg)
	out := api.WebhookList{Webhooks: make([]api.Webhook, 0, len(hooks)), HasMore: more}
	for _, h := range hooks {
		out.Webhooks = append(out.Webhooks, webhookView(h))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (b *Broker) getWebhook(w http.ResponseWriter, r *http.Request, p principal) error {
	wh, err := b.st.Webhook(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && (wh.AccountID != p.AccountID || !wh.DeletedAt.IsZero())) {
		return notFound("webhook not found")
	}
	if err != nil {
		return storeProblem(err, "webhook")
	}
	writeJSON(w, http.StatusOK, webhookView(wh))
	return nil
}

// deleteWebhook stops deliveries to a webhook, including pending ones.
func (b *Broker) deleteWebhook(w http.ResponseWriter, r *http.Request, p principal) error {
	if err := b.st.DeleteWebhook(r.Context(), p.AccountID, r.PathValue("id"), b.now()); err != nil {
		return storeProblem(err, "webhook")
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
