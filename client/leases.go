package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/metering/receipt"
)

// Quote prices a lease request without buying anything (buyer keys).
func (c *Client) Quote(ctx context.Context, req api.LeaseRequest) (*api.Quote, error) {
	var out api.Quote
	return &out, c.do(ctx, call{method: http.MethodPost, path: "/v1/coverage/quote", body: req, same: true}, &out)
}

// CreateLease buys coverage. It is safe to retry: the request carries
// idemKey, or when that is empty a key made for this call, and the broker
// answers a repeat with the first lease. Pass your own key to make a
// retry after a crash of your program buy nothing twice either.
func (c *Client) CreateLease(ctx context.Context, idemKey string, req api.LeaseRequest) (*api.Lease, error) {
	var out api.Lease
	return &out, c.do(ctx, call{method: http.MethodPost, path: "/v1/leases", body: req, idemKey: idemKey, effect: true}, &out)
}

// Lease returns one of the caller's leases, with fresh exit tokens while it
// is active.
func (c *Client) Lease(ctx context.Context, id string) (*api.Lease, error) {
	if id == "" {
		return nil, fmt.Errorf("lease: %w", errEmptyID)
	}
	var out api.Lease
	return &out, c.do(ctx, call{method: http.MethodGet, path: "/v1/leases/" + url.PathEscape(id)}, &out)
}

// Leases lists the caller's leases, without exit tokens.
func (c *Client) Leases(ctx context.Context, p Page) (*api.LeaseList, error) {
	var out api.LeaseList
	return &out, c.do(ctx, call{method: http.MethodGet, path: "/v1/leases", query: p.values()}, &out)
}

// CloseLease ends a lease and releases what is left of its hold.
func (c *Client) CloseLease(ctx context.Context, id string) (*api.Lease, error) {
	if id == "" {
		return nil, fmt.Errorf("close lease: %w", errEmptyID)
	}
	var out api.Lease
	path := "/v1/leases/" + url.PathEscape(id) + "/close"
	return &out, c.do(ctx, call{method: http.MethodPost, path: path, effect: true}, &out)
}

// ExtendLease buys more time, more bytes or both for an active lease; more
// bytes raise its hold by their price. idemKey works as in CreateLease.
// The answer carries fresh tokens with the new byte cap and end.
func (c *Client) ExtendLease(ctx context.Context, idemKey, id string, req api.ExtendLeaseRequest) (*api.Lease, error) {
	if id == "" {
		return nil, fmt.Errorf("extend lease: %w", errEmptyID)
	}
	var out api.Lease
	path := "/v1/leases/" + url.PathEscape(id) + "/extend"
	return &out, c.do(ctx, call{method: http.MethodPost, path: path, body: req, idemKey: idemKey, effect: true}, &out)
}

// Usage returns what a lease's exits have settled so far.
func (c *Client) Usage(ctx context.Context, id string) (*api.Usage, error) {
	if id == "" {
		return nil, fmt.Errorf("usage: %w", errEmptyID)
	}
	var out api.Usage
	path := "/v1/leases/" + url.PathEscape(id) + "/usage"
	return &out, c.do(ctx, call{method: http.MethodGet, path: path}, &out)
}

// SubmitReceipts uploads signed receipts for settlement (operator keys).
// Results come back in order; a refused receipt has its Error set.
func (c *Client) SubmitReceipts(ctx context.Context, rs []*receipt.Receipt) (*api.ReceiptResults, error) {
	batch := api.ReceiptBatch{Receipts: make([]string, 0, len(rs))}
	for i, r := range rs {
		var enc string
		if r != nil {
			enc = receipt.Encode(r)
		}
		if enc == "" {
			return nil, fmt.Errorf("submit receipts: receipt %d cannot be encoded", i)
		}
		batch.Receipts = append(batch.Receipts, enc)
	}
	var out api.ReceiptResults
	return &out, c.do(ctx, call{method: http.MethodPost, path: "/v1/receipts", body: batch, same: true}, &out)
}
