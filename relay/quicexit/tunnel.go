package quicexit

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"go.uber.org/zap"

	"github.com/sparelink/sparelink/metering/meter"
)

// errCapReached ends a tunnel whose lease used up its byte cap.
var errCapReached = errors.New("lease byte cap reached")

// connectError is the stream error code for tunnels torn down by the exit
// (RFC 9114 H3_CONNECT_ERROR).
const connectError = quic.StreamErrorCode(http3.ErrCodeConnectError)

// tunnel is one CONNECT stream joined to one destination connection.
type tunnel struct {
	dest   net.Conn
	lease  string
	budget *budget
	limit  int64 // the token's byte cap; 0 is unlimited

	capped atomic.Bool // the byte cap ended the tunnel

	mu      sync.Mutex
	str     *http3.Stream
	aborted bool
	done    chan struct{} // closed by abort and stop; ends waits for rate
}

// end closes t.done once.
func (t *tunnel) end() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done == nil {
		t.done = make(chan struct{})
	}
	select {
	case <-t.done:
	default:
		close(t.done)
	}
}

// doneChan returns the channel end closes.
func (t *tunnel) doneChan() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done == nil {
		t.done = make(chan struct{})
	}
	return t.done
}

// attach hands the tunnel its stream, unless it was aborted meanwhile.
func (t *tunnel) attach(str *http3.Stream) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.str = str
	return !t.aborted
}

// abort tears the tunnel down in both directions at once.
func (t *tunnel) abort() {
	t.mu.Lock()
	t.aborted = true
	str := t.str
	t.mu.Unlock()
	t.end()
	// Reset the buyer's stream before closing the destination: closing it
	// first lets the copy loop half-close the stream cleanly, and the buyer
	// would take an aborted tunnel for a normal end.
	if str != nil {
		str.CancelRead(connectError)
		str.CancelWrite(connectError)
	}
	_ = t.dest.Close()
}

// stop ends a tunnel whose cap is reached: the destination is closed and
// the buyer's further sends refused, while bytes already written (and
// counted) still reach the buyer before the stream ends.
func (t *tunnel) stop() {
	t.capped.Store(true)
	t.end()
	_ = t.dest.Close()
	t.mu.Lock()
	str := t.str
	t.mu.Unlock()
	if str != nil {
		str.CancelRead(connectError)
	}
}

// run copies between the buyer's stream and the destination until both
// directions end, counting bytes on the lease's meter.
func (e *Exit) run(t *tunnel, str *http3.Stream) {
	if !t.attach(str) {
		t.abort()
		return
	}
	counter := e.cfg.Meter.Lease(t.lease)
	if e.unmetered {
		counter, t.limit = new(meter.Counter), 0
	}
	buyer := e.newSide(t, str, str.Close, str.SetReadDeadline)
	dest := e.newSide(t, t.dest, closeWriteFunc(t.dest), t.dest.SetReadDeadline)
	err := meter.Pipe(buyer, dest, counter)
	_ = t.dest.Close()
	str.CancelRead(quic.StreamErrorCode(http3.ErrCodeNoError))
	_ = str.Close()
	// Errors are not logged verbatim: they name the destination.
	fields := []zap.Field{zap.String("lease", t.lease), zap.Int64("up", dest.written), zap.Int64("down", buyer.written)}
	switch {
	case t.capped.Load():
		e.log.Info("tunnel closed at byte cap", fields...)
	default:
		e.log.Debug("tunnel ended", append(fields, zap.Bool("clean", err == nil))...)
	}
}

// closeWriteFunc returns c's half-close, or a no-op when c cannot
// half-close (closing it fully would cut the other direction).
func closeWriteFunc(c net.Conn) func() error {
	if hc, ok := c.(meter.HalfCloser); ok {
		return hc.CloseWrite
	}
	return func() error { return nil }
}
