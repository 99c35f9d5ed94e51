package probe

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/sparelink/sparelink/broker/api"
)

// maxReplyBytes bounds what the prober reads of a reply that is not the
// probe's data.
const maxReplyBytes = 4 << 10

// download fetches n bytes and times them from the first byte to the
// last, so the request's round trip does not count.
func (p *Prober) download(ctx context.Context, n int64) (int64, time.Duration, error) {
	url := p.cfg.BaseURL + DownloadSuffix + "?bytes=" + strconv.FormatInt(n, 10)
	req, err := p.request(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, 0, err
	}
	resp, err := p.cfg.Client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, 0, replyError(resp)
	}
	start := time.Now()
	got, err := io.Copy(io.Discard, io.LimitReader(resp.Body, n+1))
	took := time.Since(start)
	if err != nil {
		return got, took, ctxErr(ctx, err)
	}
	if got != n {
		return got, took, fmt.Errorf("%w: asked for %d, got %d", ErrMismatch, n, got)
	}
	return got, took, nil
}

// upload sends n bytes and times them up to the server's reply, which
// adds a round trip: a slight underestimate on a slow line.
func (p *Prober) upload(ctx context.Context, n int64) (int64, time.Duration, error) {
	body := newPatternReader(n)
	req, err := p.request(ctx, http.MethodPost, p.cfg.BaseURL+UploadSuffix, body)
	if err != nil {
		return 0, 0, err
	}
	req.ContentLength = n
	req.Header.Set("Content-Type", "application/octet-stream")
	start := time.Now()
	resp, err := p.cfg.Client.Do(req)
	took := time.Since(start)
	if err != nil {
		return n - body.left.Load(), took, ctxErr(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, took, replyError(resp)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes))
	if err != nil {
		return 0, took, fmt.Errorf("read upload reply: %w", err)
	}
	got, err := ParseUploadReply(raw)
	if err != nil {
		return 0, took, err
	}
	if got != n {
		return got, took, fmt.Errorf("%w: sent %d, server counted %d", ErrMismatch, n, got)
	}
	return n, took, nil
}

// request builds a request carrying Config.Header.
func (p *Prober) request(ctx context.Context, method, url string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return nil, err
	}
	for k, vs := range p.cfg.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	return req, nil
}

// ParseUploadReply reads the server's answer to an upload.
func ParseUploadReply(raw []byte) (int64, error) {
	var r UploadReply
	if err := json.Unmarshal(raw, &r); err != nil {
		return 0, fmt.Errorf("decode upload reply: %w", err)
	}
	if r.ReceivedBytes < 0 {
		return 0, fmt.Errorf("decode upload reply: negative count %d", r.ReceivedBytes)
	}
	return r.ReceivedBytes, nil
}

// replyError turns a refusal into an error, ErrBusy for 429.
func replyError(resp *http.Response) error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes))
	var prob api.Problem
	detail := http.StatusText(resp.StatusCode)
	if json.Unmarshal(raw, &prob) == nil && prob.Code != "" {
		detail = fmt.Sprintf("%s: %.200s", prob.Code, prob.Detail)
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return fmt.Errorf("%w: %s", ErrBusy, detail)
	}
	return fmt.Errorf("server answered %d: %s", resp.StatusCode, detail)
}

// ctxErr prefers the context's error, so a round cut by the deadline is
// recognised as such.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// patternReader yields left bytes of random filler and counts down, so a
// cut upload knows how much went out. The transport reads it on its own
// goroutine, hence the atomic.
type patternReader struct{ left atomic.Int64 }

func newPatternReader(n int64) *patternReader {
	r := &patternReader{}
	r.left.Store(n)
	return r
}

// filler is random so that nothing on the path can compress the probe.
var filler = func() []byte {
	b := make([]byte, 32<<10)
	_, _ = rand.Read(b)
	return b
}()

func (r *patternReader) Read(b []byte) (int, error) {
	left := r.left.Load()
	if left <= 0 {
		return 0, io.EOF
	}
	k := copy(b, filler[:min(int64(len(filler)), left)])
	r.left.Add(-int64(k))
	return k, nil
}
