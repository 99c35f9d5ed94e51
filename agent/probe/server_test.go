package probe

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker/api"
)

func TestHandler(t *testing.T) {
	srv := newServer(t, HandlerConfig{MaxBytes: 1 << 20}, 0)
	tests := []struct {
		name, method, path string
		body               string
		wantStatus         int
		wantLen            int64  // body length of a 200 download
		wantCode           string // problem code
		wantReceived       int64  // upload reply
	}{
		{"download", http.MethodGet, DownloadPath + "?bytes=100000", "", 200, 100000, "", 0},
		{"download limit", http.MethodGet, DownloadPath + "?bytes=1048576", "", 200, 1 << 20, "", 0},
		{"download over the limit", http.MethodGet, DownloadPath + "?bytes=1048577", "", 400, 0, api.CodeInvalidRequest, 0},
		{"download zero", http.MethodGet, DownloadPath + "?bytes=0", "", 400, 0, api.CodeInvalidRequest, 0},
		{"download garbage", http.MethodGet, DownloadPath + "?bytes=lots", "", 400, 0, api.CodeInvalidRequest, 0},
		{"download without count", http.MethodGet, DownloadPath, "", 400, 0, api.CodeInvalidRequest, 0},
		{"download by POST", http.MethodPost, DownloadPath, "", 405, 0, api.CodeInvalidRequest, 0},
		{"upload", http.MethodPost, UploadPath, strings.Repeat("x", 70000), 200, 0, "", 70000},
		{"empty upload", http.MethodPost, UploadPath, "", 200, 0, "", 0},
		{"upload over the limit", http.MethodPost, UploadPath, strings.Repeat("x", 1<<20+1), 413, 0, api.CodeInvalidRequest, 0},
		{"upload by GET", http.MethodGet, UploadPath, "", 405, 0, api.CodeInvalidRequest, 0},
		{"other path", http.MethodGet, "/v1/probe/other", "", 404, 0, api.CodeNotFound, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.url+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", tt.method, tt.path, err)
			}
			defer resp.Body.Close()
			raw, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("read body: %v", err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("got status %d, want %d (body %.200s)", resp.StatusCode, tt.wantStatus, raw)
			}
			checkBody(t, resp, raw, tt.wantLen, tt.wantCode, tt.wantReceived)
		})
	}
}

func checkBody(t *testing.T, resp *http.Response, raw []byte, wantLen int64, wantCode string, wantReceived int64) {
	t.Helper()
	switch {
	case wantCode != "":
		var p api.Problem
		if err := json.Unmarshal(raw, &p); err != nil || p.Code != wantCode || resp.Header.Get("Content-Type") != api.ProblemContentType {
			t.Errorf("got problem %+v (%v, %s), want code %q as %s", p, err, resp.Header.Get("Content-Type"), wantCode, api.ProblemContentType)
		}
	case resp.Request.Method == http.MethodGet:
		if int64(len(raw)) != wantLen {
			t.Errorf("got %d bytes, want %d", len(raw), wantLen)
		}
	default:
		got, err := ParseUploadReply(raw)
		if err != nil || got != wantReceived {
			t.Errorf("got received %d (%v), want %d", got, err, wantReceived)
		}
	}
}

// TestHandlerBusy holds the only slot with a download the client does not
// read, and checks that the next probe is refused with ErrBusy.
func TestHandlerBusy(t *testing.T) {
	srv := newServer(t, HandlerConfig{MaxConcurrent: 1}, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.url+DownloadPath+"?bytes=67108864", nil)
	if err != nil {
		t.Fatal(err)
	}
	hold, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("first download: %v", err)
	}
	defer hold.Body.Close()
	p, err := New(Config{BaseURL: srv.url + "/v1", Line: homeLine(t, 0)}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Measure(context.Background()); !errors.Is(err, ErrBusy) {
		t.Errorf("got %v while the server is busy, want ErrBusy", err)
	}
}
