package quicexit

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

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
	_ = t.dest.Close()
	if str != nil {
		str.CancelRead(connectError)
		str.CancelWrite(connectError)
	}
}

// stop ends a tunnel whose cap is reached: the destination is closed and
// the buyer's further sends refused, while bytes already written (and
// counted) still reach the buyer before the stream ends.
func (t *tunnel) stop() {
	t.capped.Store(true)
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
	buyer := &side{r: str, w: str, closeWrite: str.Close, readDeadline: str.SetReadDeadline, t: t}
	dest := &side{r: t.dest, w: t.dest, closeWrite: closeWriteFunc(t.dest), readDeadline: t.dest.SetReadDeadline, t: t}
	err := meter.Pipe(buyer, dest, e.cfg.Meter.Lease(t.lease))
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

// side is one end of a tunnel as meter.Pipe sees it: its writes are
// limited by the lease's byte budget and CloseWrite closes only the send
// direction.
type side struct {
	r            io.Reader
	w            io.Writer
	closeWrite   func() error
	readDeadline func(time.Time) error
	t            *tunnel
	written      int64 // only touched by the goroutine writing to this side
}

var (
	_ meter.HalfCloser      = (*side)(nil)
	_ meter.ReadInterrupter = (*side)(nil)
)

// SetReadDeadline lets meter.Pipe end this side's reads when the other
// direction fails, so a vanished buyer does not leave an idle destination
// connection open (and the reverse).
func (s *side) SetReadDeadline(t time.Time) error { return s.readDeadline(t) }

func (s *side) Read(p []byte) (int, error) { return s.r.Read(p) }

func (s *side) CloseWrite() error { return s.closeWrite() }

// Write writes as much of p as the budget allows; once the budget is gone
// it stops the tunnel and reports errCapReached.
func (s *side) Write(p []byte) (int, error) {
	n, err := s.write(p)
	s.written += int64(n)
	return n, err
}

func (s *side) write(p []byte) (int, error) {
	if s.t.limit <= 0 {
		return s.w.Write(p)
	}
	n := s.t.budget.take(len(p), s.t.limit)
	if n == 0 {
		s.t.stop()
		return 0, errCapReached
	}
	w, err := s.w.Write(p[:n])
	s.t.budget.used.Add(int64(w - n)) // give back what was not written
	if err == nil && n < len(p) {
		s.t.stop()
		err = errCapReached
	}
	return w, err
}

// budget is the bytes a lease has used across this exit's tunnels,
// reserved before each write so that concurrent tunnels together never
// exceed the cap.
type budget struct {
	used atomic.Int64
	refs int // tunnels and requests holding it; guarded by Exit.mu
}

// take reserves up to n bytes below limit and returns how many it got.
func (b *budget) take(n int, limit int64) int {
	for {
		used := b.used.Load()
		grant := min(int64(n), limit-used)
		if grant <= 0 {
			return 0
		}
		if b.used.CompareAndSwap(used, used+grant) {
			return int(grant)
		}
	}
}

// acquireBudget returns the lease's budget, seeding a new one from what the
// meter has already counted for the lease.
func (e *Exit) acquireBudget(leaseID string) *budget {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, ok := e.budgets[leaseID]
	if !ok {
		b = new(budget)
		b.used.Store(e.cfg.Meter.Lease(leaseID).Totals().Sum())
		e.budgets[leaseID] = b
	}
	b.refs++
	return b
}

// releaseBudget drops the budget once no request of the lease needs it;
// the meter then holds the same count.
func (e *Exit) releaseBudget(leaseID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if b := e.budgets[leaseID]; b != nil {
		if b.refs--; b.refs <= 0 {
			delete(e.budgets, leaseID)
		}
	}
}
