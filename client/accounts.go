package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/sparelink/sparelink/broker/api"
)

// Page selects one page of a listing: StartingAfter is the ID of the
// last item of the previous page ("" for the first page) and Limit the
// page size (0: the broker's default, api.DefaultPageLimit). A listing's
// HasMore says whether another page follows.
type Page struct {
	StartingAfter string
	Limit         int
}

func (p Page) values() url.Values {
	v := url.Values{}
	if p.StartingAfter != "" {
		v.Set("starting_after", p.StartingAfter)
	}
	if p.Limit > 0 {
		v.Set("limit", strconv.Itoa(p.Limit))
	}
	return v
}

// CreateAccount creates a buyer or operator account (admin keys only).
func (c *Client) CreateAccount(ctx context.Context, req api.CreateAccountRequest) (*api.Account, error) {
	var out api.Account
	return &out, c.do(ctx, call{method: http.MethodPost, path: "/v1/accounts", body: req, effect: true}, &out)
}

// CreateKey creates an API key. The returned Key field holds the key
// itself, which the broker never shows again.
func (c *Client) CreateKey(ctx context.Context, req api.CreateKeyRequest) (*api.Key, error) {
	var out api.Key
	return &out, c.do(ctx, call{method: http.MethodPost, path: "/v1/keys", body: req, effect: true}, &out)
}

// Keys returns a page of the caller's keys, or for admins of accountID
// when it is not empty, without secrets.
func (c *Client) Keys(ctx context.Context, accountID string, p Page) (*api.KeyList, error) {
	var out api.KeyList
	return &out, c.do(ctx, call{method: http.MethodGet, path: "/v1/keys", query: accountQuery(accountID, p)}, &out)
}

// RevokeKey revokes one of the caller's keys (admins: any key).
func (c *Client) RevokeKey(ctx context.Context, id string) error {
	if id == "" {
		return fmt.Errorf("revoke key: %w", errEmptyID)
	}
	return c.do(ctx, call{method: http.MethodDelete, path: "/v1/keys/" + url.PathEscape(id)}, nil)
}

// Credit adds amountMicros to a buyer's balance (admin keys only). idemKey
// is required: repeating it with the same account and amount credits once.
func (c *Client) Credit(ctx context.Context, idemKey, accountID string, amountMicros int64) (*api.Credit, error) {
	if idemKey == "" {
		return nil, fmt.Errorf("credit: empty idempotency key")
	}
	var out api.Credit
	req := call{method: http.MethodPost, path: "/v1/admin/credits", idemKey: idemKey,
		body: api.CreditRequest{AccountID: accountID, AmountMicros: amountMicros}}
	return &out, c.do(ctx, req, &out)
}

// Balance returns the caller's balance.
func (c *Client) Balance(ctx context.Context) (*api.Balance, error) {
	return c.BalanceOf(ctx, "")
}

// BalanceOf returns another account's balance (admin keys only); an empty
// accountID means the caller's own.
func (c *Client) BalanceOf(ctx context.Context, accountID string) (*api.Balance, error) {
	var out api.Balance
	return &out, c.do(ctx, call{method: http.MethodGet, path: "/v1/balance", query: accountQuery(accountID, Page{})}, &out)
}

// Ledger returns a page of ledger entries of the caller's account, or for
// admins of accountID when it is not empty.
func (c *Client) Ledger(ctx context.Context, accountID string, p Page) (*api.LedgerList, error) {
	var out api.LedgerList
	return &out, c.do(ctx, call{method: http.MethodGet, path: "/v1/ledger", query: accountQuery(accountID, p)}, &out)
}

func accountQuery(accountID string, p Page) url.Values {
	v := p.values()
	if accountID != "" {
		v.Set("account_id", accountID)
	}
	return v
}

// CheckLedger audits the whole ledger (admin keys only).
func (c *Client) CheckLedger(ctx context.Context) (*api.LedgerCheck, error) {
	var out api.LedgerCheck
	return &out, c.do(ctx, call{method: http.MethodGet, path: "/v1/admin/ledger/check"}, &out)
}

// BrokerKeys returns the public keys exits verify lease tokens with. It
// needs no API key.
func (c *Client) BrokerKeys(ctx context.Context) (*api.BrokerKeys, error) {
	var out api.BrokerKeys
	return &out, c.do(ctx, call{method: http.MethodGet, path: "/v1/broker/keys"}, &out)
}

// Health checks that the broker is serving.
func (c *Client) Health(ctx context.Context) error {
	var out api.Health
	return c.do(ctx, call{method: http.MethodGet, path: "/healthz"}, &out)
}

// OpenAPI returns the broker's OpenAPI document, the contract of every
// endpoint. It needs no API key.
func (c *Client) OpenAPI(ctx context.Context) (json.RawMessage, error) {
	var out json.RawMessage
	return out, c.do(ctx, call{method: http.MethodGet, path: "/v1/openapi.json"}, &out)
}
