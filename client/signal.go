package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/sparelink/sparelink/broker/api"
)

// Signal sends an ICE offer to one exit of a lease through the broker and
// returns the exit's answer, waiting up to the broker's signalling
// timeout (about 8 s). It is not retried: a new attempt needs a new
// offer. A node that does not answer gives a *Error with code
// signal_timeout; one that refuses, signal_refused.
func (c *Client) Signal(ctx context.Context, leaseID, nodeID string, req api.SignalRequest) (*api.SignalResponse, error) {
	if leaseID == "" || nodeID == "" {
		return nil, fmt.Errorf("signal: %w", errEmptyID)
	}
	var out api.SignalResponse
	path := "/v1/leases/" + url.PathEscape(leaseID) + "/exits/" + url.PathEscape(nodeID) + "/signal"
	return &out, c.do(ctx, call{method: http.MethodPost, path: path, body: req}, &out)
}

// AnswerSignal posts a node's answer to an offer it got over its control
// channel. It is not retried: the buyer's wait is short.
func (c *Client) AnswerSignal(ctx context.Context, nodeID string, a api.SignalAnswer) error {
	if nodeID == "" {
		return fmt.Errorf("answer signal: %w", errEmptyID)
	}
	path := "/v1/nodes/" + url.PathEscape(nodeID) + "/signal"
	return c.do(ctx, call{method: http.MethodPost, path: path, body: a}, nil)
}

// ReportReachability tells the broker how buyers can reach a node and
// returns the rendezvous relay the node should keep a connection to.
func (c *Client) ReportReachability(ctx context.Context, nodeID string, r api.Reachability) (*api.ReachabilityAnswer, error) {
	if nodeID == "" {
		return nil, fmt.Errorf("report reachability: %w", errEmptyID)
	}
	var out api.ReachabilityAnswer
	path := "/v1/nodes/" + url.PathEscape(nodeID) + "/reachability"
	return &out, c.do(ctx, call{method: http.MethodPost, path: path, body: r, same: true}, &out)
}
