package client

import (
	"context"
	"net/http"

	"github.com/sparelink/sparelink/broker/api"
)

// CreatePairingCode makes a one-time code for a new machine of the
// caller's operator account; ttlSeconds is its life (0: 15 minutes).
func (c *Client) CreatePairingCode(ctx context.Context, ttlSeconds int64) (*api.PairingCode, error) {
	var out api.PairingCode
	req := api.CreatePairingCodeRequest{ExpiresInSeconds: ttlSeconds}
	return &out, c.do(ctx, call{method: http.MethodPost, path: "/v1/pairing-codes", body: req, effect: true}, &out)
}

// RedeemPairingCode trades a pairing code for a new operator key; it needs
// no API key, so a client made with an empty key may call it. A used,
// expired or unknown code is a 404 problem. It is sent once: a retry of a
// redemption whose answer was lost would find the code used.
func (c *Client) RedeemPairingCode(ctx context.Context, code string) (*api.Key, error) {
	var out api.Key
	req := api.RedeemPairingCodeRequest{Code: code}
	return &out, c.do(ctx, call{method: http.MethodPost, path: "/v1/pairing-codes/redeem", body: req}, &out)
}
