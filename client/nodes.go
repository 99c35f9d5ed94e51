package client

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/sparelink/sparelink/broker/api"
)

// NodeQuery filters a node listing. Zero fields match every node; Online
// keeps only nodes that heartbeated recently.
type NodeQuery struct {
	Country        string
	Subdivision    string
	City           string
	ASN            int
	ConnectionType string
	Protocol       string
	Online         bool
	Page
}

func (q NodeQuery) values() url.Values {
	v := q.Page.values()
	for name, val := range map[string]string{
		"country": q.Country, "subdivision": q.Subdivision, "city": q.City,
		"connection_type": q.ConnectionType, "protocol": q.Protocol,
	} {
		if val != "" {
			v.Set(name, val)
		}
	}
	if q.ASN != 0 {
		v.Set("asn", strconv.Itoa(q.ASN))
	}
	if q.Online {
		v.Set("online", "true")
	}
	return v
}

// NodeChallenge fetches a registration challenge (operator keys).
func (c *Client) NodeChallenge(ctx context.Context) (*api.Challenge, error) {
	var out api.Challenge
	return &out, c.do(ctx, call{method: http.MethodPost, path: "/v1/nodes/challenge", same: true}, &out)
}

// RegisterNode registers or updates the exit whose private key is key
// under the caller's operator account. It fetches a challenge and signs it
// with key, filling in req's PublicKey, Challenge and Signature.
func (c *Client) RegisterNode(ctx context.Context, key ed25519.PrivateKey, req api.RegisterNodeRequest) (*api.Node, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, errors.New("register node: not an Ed25519 private key")
	}
	ch, err := c.NodeChallenge(ctx)
	if err != nil {
		return nil, fmt.Errorf("register node: %w", err)
	}
	req.PublicKey = base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
	req.Challenge = ch.Challenge
	req.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, []byte(api.NodeRegistrationContext+ch.Challenge)))
	var out api.Node
	return &out, c.do(ctx, call{method: http.MethodPost, path: "/v1/nodes", body: req, effect: true}, &out)
}

// Heartbeat reports that a node is alive and how much it can carry now.
func (c *Client) Heartbeat(ctx context.Context, nodeID string, req api.HeartbeatRequest) (*api.HeartbeatResponse, error) {
	if nodeID == "" {
		return nil, fmt.Errorf("heartbeat: %w", errEmptyID)
	}
	var out api.HeartbeatResponse
	path := "/v1/nodes/" + url.PathEscape(nodeID) + "/heartbeat"
	return &out, c.do(ctx, call{method: http.MethodPost, path: path, body: req, same: true}, &out)
}

// Nodes lists registered exits.
func (c *Client) Nodes(ctx context.Context, q NodeQuery) (*api.NodeList, error) {
	var out api.NodeList
	return &out, c.do(ctx, call{method: http.MethodGet, path: "/v1/nodes", query: q.values()}, &out)
}

// Node returns one node's listing.
func (c *Client) Node(ctx context.Context, id string) (*api.Node, error) {
	if id == "" {
		return nil, fmt.Errorf("node: %w", errEmptyID)
	}
	var out api.Node
	return &out, c.do(ctx, call{method: http.MethodGet, path: "/v1/nodes/" + url.PathEscape(id)}, &out)
}
