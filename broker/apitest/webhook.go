package apitest

import (
	"fmt"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
)

// CheckWebhook returns why a webhook delivery of event type typ (its
// headers and body) breaks the document's webhooks section, or nil.
func (v *Validator) CheckWebhook(typ string, h http.Header, body []byte) error {
	item := v.doc.Webhooks[typ]
	if item == nil || item.Post == nil {
		return fmt.Errorf("event type %q is not documented", typ)
	}
	op := item.Post
	for _, ref := range op.Parameters {
		p := ref.Value
		if p == nil || p.In != openapi3.ParameterInHeader {
			continue
		}
		val := h.Get(p.Name)
		if val == "" {
			if p.Required {
				return fmt.Errorf("header %s missing", p.Name)
			}
			continue
		}
		if err := p.Schema.Value.VisitJSON(val, openapi3.EnableJSONSchema2020()); err != nil {
			return fmt.Errorf("header %s: %w", p.Name, err)
		}
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || h.Get("Content-Type") != "application/json" {
		return fmt.Errorf("content type %q, want application/json", h.Get("Content-Type"))
	}
	data, err := decodeJSON(body)
	if err != nil {
		return err
	}
	if err := mt.Schema.Value.VisitJSON(data, openapi3.EnableJSONSchema2020()); err != nil {
		return fmt.Errorf("body: %w", err)
	}
	return nil
}

// CheckWebhook fails t unless a delivery of typ follows the broker's
// document.
func CheckWebhook(t Reporter, typ string, h http.Header, body []byte) {
	t.Helper()
	v, err := Default()
	if err != nil {
		t.Errorf("openapi: %v", err)
		return
	}
	if err := v.CheckWebhook(typ, h, body); err != nil {
		t.Errorf("openapi: webhook %s: %v\nbody: %s", typ, err, clip(body))
	}
}
