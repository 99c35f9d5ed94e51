package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/sparelink/sparelink/broker/api"
)

// NodeCommands long-polls a node's control channel: it returns the
// node's commands after the command ID after (acknowledging it and every
// earlier one), waiting up to wait (whole seconds, at most 25s) for the
// first. The client's HTTP timeout must exceed wait.
func (c *Client) NodeCommands(ctx context.Context, nodeID string, after int64, wait time.Duration) (*api.CommandBatch, error) {
	if nodeID == "" {
		return nil, fmt.Errorf("node commands: %w", errEmptyID)
	}
	q := url.Values{}
	q.Set("after", strconv.FormatInt(after, 10))
	q.Set("wait", strconv.Itoa(int(wait/time.Second)))
	var out api.CommandBatch
	path := "/v1/nodes/" + url.PathEscape(nodeID) + "/commands"
	return &out, c.do(ctx, call{method: http.MethodGet, path: path, query: q}, &out)
}
