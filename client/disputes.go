package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/metering/audit"
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/metering/receipt"
)

// maxExport bounds a receipt export read by ExportReceipts.
const maxExport = 256 << 20

// ReportDispute reports a receipt the buyer's side refused, with the
// buyer's counts at the time (buyer keys). Reporting the same receipt
// again changes nothing. Its signature fits exitdial.Receipts.Report once
// bound to a lease.
func (c *Client) ReportDispute(ctx context.Context, leaseID string, r *receipt.Receipt, buyer meter.Totals) (*api.Dispute, error) {
	if leaseID == "" {
		return nil, fmt.Errorf("report dispute: %w", errEmptyID)
	}
	body := api.DisputeReport{Receipt: receipt.Encode(r), BuyerUp: buyer.Up, BuyerDown: buyer.Down}
	var out api.Dispute
	path := "/v1/leases/" + url.PathEscape(leaseID) + "/disputes"
	return &out, c.do(ctx, call{method: http.MethodPost, path: path, body: body, same: true}, &out)
}

// LeaseDisputes lists the disputes of one of the buyer's leases.
func (c *Client) LeaseDisputes(ctx context.Context, leaseID string) (*api.DisputeList, error) {
	if leaseID == "" {
		return nil, fmt.Errorf("lease disputes: %w", errEmptyID)
	}
	var out api.DisputeList
	path := "/v1/leases/" + url.PathEscape(leaseID) + "/disputes"
	return &out, c.do(ctx, call{method: http.MethodGet, path: path}, &out)
}

// Disputes lists the disputes of the caller's leases (buyer keys) or
// nodes (operator keys).
func (c *Client) Disputes(ctx context.Context) (*api.DisputeList, error) {
	var out api.DisputeList
	return &out, c.do(ctx, call{method: http.MethodGet, path: "/v1/disputes"}, &out)
}

// ExportReceipts returns a lease's receipt export, the JSON Lines
// document `sparelink verify` checks (see metering/audit).
func (c *Client) ExportReceipts(ctx context.Context, leaseID string) ([]byte, error) {
	if leaseID == "" {
		return nil, fmt.Errorf("export receipts: %w", errEmptyID)
	}
	path := "/v1/leases/" + url.PathEscape(leaseID) + "/receipts"
	hr, err := c.newRequest(ctx, call{method: http.MethodGet, path: path}, nil)
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Accept", audit.ContentType)
	resp, err := c.hc.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("export receipts of %s: %w", leaseID, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, readError(resp)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxExport))
	if err != nil {
		return nil, fmt.Errorf("export receipts of %s: %w", leaseID, err)
	}
	return data, nil
}
