package broker

import (
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/sparelink/sparelink/agent/probe"
	"github.com/sparelink/sparelink/broker/store"
)

// Line probes: a node measures its line by downloading from and uploading
// to the broker (agent/probe's protocol, under /v1/nodes/{id}/probe/).
// The broker times the same transfers from its side and records them as
// the node's measured throughput, which listings show next to the node's
// own estimate and the matcher uses as the exit's throughput.
//
// The broker's download figure is the time to hand the bytes to the
// kernel, so it runs high by what the socket buffers hold; only transfers
// of at least minProbeBytes are recorded, where that matters less.

// minProbeBytes is the smallest transfer the broker records.
const minProbeBytes = 1 << 20

// linkProbe serves one direction of a node's line probe; up is the
// node's upload.
func (b *Broker) linkProbe(up bool) handler {
	return func(w http.ResponseWriter, r *http.Request, p principal) error {
		n, err := b.st.Node(r.Context(), r.PathValue("id"))
		if err != nil {
			return storeProblem(err, "node")
		}
		if !p.owns(n.OperatorID) {
			return forbidden("node %s belongs to another operator", n.ID)
		}
		var t transferTimer
		inner := r.Clone(r.Context())
		if up {
			inner.URL.Path = probe.UploadPath
			inner.Body = &timedBody{ReadCloser: r.Body, t: &t}
		} else {
			inner.URL.Path = probe.DownloadPath
			w = &timedWriter{ResponseWriter: w, t: &t}
		}
		b.prober.ServeHTTP(w, inner)
		bytes, took := t.result()
		if bytes < minProbeBytes || took <= 0 {
			return nil
		}
		b.metrics.probes.WithLabelValues(direction(up)).Inc()
		bps := int64(float64(bytes) / took.Seconds())
		// The answer is written; a failure to record only loses this
		// measurement, so it is logged by the store's error path alone.
		_ = b.st.RecordLinkProbe(r.Context(), store.LinkProbe{NodeID: n.ID, Up: up, Bps: bps, At: b.now()})
		return nil
	}
}

func direction(up bool) string {
	if up {
		return "up"
	}
	return "down"
}

// transferTimer times a transfer from its first byte to its last.
type transferTimer struct {
	mu          sync.Mutex
	bytes       int64
	first, last time.Time
}

func (t *transferTimer) add(n int) {
	if n <= 0 {
		return
	}
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.first.IsZero() {
		t.first = now
	}
	t.bytes += int64(n)
	t.last = now
}

func (t *transferTimer) result() (int64, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.bytes, t.last.Sub(t.first)
}

// timedBody times what a handler reads of a request body.
type timedBody struct {
	io.ReadCloser
	t *transferTimer
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.t.add(n)
	return n, err
}

// timedWriter times what a handler writes of a response body.
type timedWriter struct {
	http.ResponseWriter
	t *transferTimer
}

func (w *timedWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.t.add(n)
	return n, err
}

func (w *timedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
