package probe

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
)

// HandlerConfig bounds what the server gives away. The zero value allows
// 64 MiB per transfer, four transfers at a time, 30 s each.
type HandlerConfig struct {
	MaxBytes      int64
	MaxConcurrent int
	MaxDuration   time.Duration
}

// Handler serves the probe endpoints. It is safe for concurrent use.
type Handler struct {
	cfg     HandlerConfig
	log     *zap.Logger
	slots   chan struct{}
	pattern []byte // random, shared with uploads; never written
}

var _ http.Handler = (*Handler)(nil)

// NewHandler returns the server side of the protocol.
func NewHandler(cfg HandlerConfig, log *zap.Logger) *Handler {
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 64 << 20
	}
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = 4
	}
	if cfg.MaxDuration <= 0 {
		cfg.MaxDuration = 30 * time.Second
	}
	return &Handler{cfg: cfg, log: log, slots: make(chan struct{}, cfg.MaxConcurrent), pattern: filler}
}

// ServeHTTP routes the two endpoints.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var serve func(http.ResponseWriter, *http.Request)
	method := http.MethodGet
	switch path := r.URL.Path; {
	case strings.HasSuffix(path, DownloadSuffix):
		serve = h.download
	case strings.HasSuffix(path, UploadSuffix):
		serve, method = h.upload, http.MethodPost
	default:
		writeProblem(w, http.StatusNotFound, api.CodeNotFound, "no probe endpoint here")
		return
	}
	if r.Method != method {
		w.Header().Set("Allow", method)
		writeProblem(w, http.StatusMethodNotAllowed, api.CodeInvalidRequest, r.URL.Path+" takes "+method)
		return
	}
	select {
	case h.slots <- struct{}{}:
		defer func() { <-h.slots }()
	default:
		w.Header().Set("Retry-After", "5")
		writeProblem(w, http.StatusTooManyRequests, api.CodeRateLimited, "the server is running other probes")
		return
	}
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(h.cfg.MaxDuration)
	_ = rc.SetReadDeadline(deadline)
	_ = rc.SetWriteDeadline(deadline)
	serve(w, r)
}

func (h *Handler) download(w http.ResponseWriter, r *http.Request) {
	n, err := ParseBytes(r.URL.Query().Get("bytes"), h.cfg.MaxBytes)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, api.CodeInvalidRequest, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	w.Header().Set("Cache-Control", "no-store")
	for left := n; left > 0; {
		k := min(left, int64(len(h.pattern)))
		if _, err := w.Write(h.pattern[:k]); err != nil {
			h.log.Debug("probe download ended early", zap.Int64("sent", n-left), zap.Error(err))
			return
		}
		left -= k
	}
	h.log.Debug("probe download", zap.Int64("bytes", n))
}

func (h *Handler) upload(w http.ResponseWriter, r *http.Request) {
	n, err := io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, h.cfg.MaxBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeProblem(w, http.StatusRequestEntityTooLarge, api.CodeInvalidRequest,
			fmt.Sprintf("probe uploads are limited to %d bytes", tooBig.Limit))
		return
	case err != nil:
		h.log.Debug("probe upload ended early", zap.Int64("received", n), zap.Error(err))
		writeProblem(w, http.StatusBadRequest, api.CodeInvalidRequest, "upload body ended early")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(UploadReply{ReceivedBytes: n})
	h.log.Debug("probe upload", zap.Int64("bytes", n))
}

// ParseBytes reads the bytes parameter of a download: a decimal count
// from 1 to limit.
func ParseBytes(s string, limit int64) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: bytes=%.32q is not a decimal count", ErrBadSize, s)
	}
	if n < 1 || n > limit {
		return 0, fmt.Errorf("%w: bytes=%d, want 1..%d", ErrBadSize, n, limit)
	}
	return n, nil
}

func writeProblem(w http.ResponseWriter, status int, code, detail string) {
	w.Header().Set("Content-Type", api.ProblemContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(api.Problem{
		Type: api.ProblemTypePrefix + code, Title: http.StatusText(status),
		Status: status, Detail: detail, Code: code,
	})
}
