package status

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/sparelink/sparelink/agent/owner"
)

// ErrNotRunning means no agent answers for the data directory.
var ErrNotRunning = errors.New("the agent is not running")

// Client talks to a running agent's status API.
type Client struct {
	base  string
	token string
	http  *http.Client
}

// NewClient returns a client for the API at addr (host:port).
func NewClient(addr, token string) *Client {
	return &Client{base: "http://" + addr, token: token, http: &http.Client{Timeout: 10 * time.Second}}
}

// Dial returns a client for the agent that uses dataDir, reading the
// address and token it stored there.
func Dial(dataDir string) (*Client, error) {
	addr, err := os.ReadFile(filepath.Join(dataDir, AddrFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: no %s in %s", ErrNotRunning, AddrFile, dataDir)
	}
	if err != nil {
		return nil, fmt.Errorf("status API address: %w", err)
	}
	token, err := LoadToken(dataDir)
	if err != nil {
		return nil, err
	}
	return NewClient(strings.TrimSpace(string(addr)), token), nil
}

// Status fetches GET /v1/status.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var st Status
	return st, c.do(ctx, http.MethodGet, "/v1/status", nil, &st)
}

// Settings fetches the owner's settings.
func (c *Client) Settings(ctx context.Context) (owner.Settings, error) {
	var s owner.Settings
	return s, c.do(ctx, http.MethodGet, "/v1/settings", nil, &s)
}

// PutSettings replaces the owner's settings and returns them as applied.
func (c *Client) PutSettings(ctx context.Context, s owner.Settings) (owner.Settings, error) {
	var out owner.Settings
	return out, c.do(ctx, http.MethodPut, "/v1/settings", s, &out)
}

// Set changes one setting by name, as owner.Set reads it, and returns the
// settings as applied.
func (c *Client) Set(ctx context.Context, name, value string) (owner.Settings, error) {
	s, err := c.Settings(ctx)
	if err != nil {
		return s, err
	}
	if err := owner.Set(&s, name, value); err != nil {
		return s, err
	}
	return c.PutSettings(ctx, s)
}

// Pause stops sharing until Resume.
func (c *Client) Pause(ctx context.Context) (owner.Settings, error) {
	var out owner.Settings
	return out, c.do(ctx, http.MethodPost, "/v1/pause", nil, &out)
}

// Resume shares again after Pause.
func (c *Client) Resume(ctx context.Context) (owner.Settings, error) {
	var out owner.Settings
	return out, c.do(ctx, http.MethodPost, "/v1/resume", nil, &out)
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	rsp, err := c.http.Do(req)
	if errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("%w: nothing listens on %s", ErrNotRunning, strings.TrimPrefix(c.base, "http://"))
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer rsp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(rsp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if rsp.StatusCode != http.StatusOK {
		var p Problem
		if json.Unmarshal(data, &p) != nil || p.Detail == "" {
			p.Detail = rsp.Status
		}
		return fmt.Errorf("%s %s: %d %s", method, path, rsp.StatusCode, p.Detail)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return nil
}
