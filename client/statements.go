package client

import (
	"context"
	"net/http"
	"time"

	"github.com/sparelink/sparelink/broker/api"
)

// StatementQuery selects statements: the periods from From up to To
// (zero: the broker's defaults, the seven periods up to now), by
// api.PeriodDay (the default) or api.PeriodHour; AccountID lets admins
// read an operator's.
type StatementQuery struct {
	From, To  time.Time
	Period    string
	AccountID string
	Page
}

// Statements returns a page of an operator's statements: per exit and
// period, bytes, charges, fees and earnings with their ledger
// transactions.
func (c *Client) Statements(ctx context.Context, q StatementQuery) (*api.StatementList, error) {
	v := accountQuery(q.AccountID, q.Page)
	if !q.From.IsZero() {
		v.Set("from", q.From.UTC().Format(time.RFC3339))
	}
	if !q.To.IsZero() {
		v.Set("to", q.To.UTC().Format(time.RFC3339))
	}
	if q.Period != "" {
		v.Set("period", q.Period)
	}
	var out api.StatementList
	return &out, c.do(ctx, call{method: http.MethodGet, path: "/v1/statements", query: v}, &out)
}

// Prices returns the broker's published fee and minimum prices. It needs
// no API key.
func (c *Client) Prices(ctx context.Context) (*api.PriceTable, error) {
	var out api.PriceTable
	return &out, c.do(ctx, call{method: http.MethodGet, path: "/v1/prices"}, &out)
}
