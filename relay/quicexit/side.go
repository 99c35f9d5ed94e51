package quicexit

import (
	"io"
	"os"
	"sync"
	"time"

	"github.com/sparelink/sparelink/metering/meter"
)

// side is one end of a tunnel as meter.Pipe sees it. Reads from it wait
// for the lease's rate and the node's cap first, so a shaped tunnel holds
// data back in the sender's flow-control window instead of dropping it;
// writes to it are limited by the lease's byte budget; CloseWrite closes
// only the send direction.
type side struct {
	e            *Exit
	t            *tunnel
	r            io.Reader
	w            io.Writer
	closeWrite   func() error
	readDeadline func(time.Time) error
	written      int64 // only touched by the goroutine writing to this side

	stop     <-chan struct{} // closed when the tunnel is torn down
	intr     chan struct{}   // closed when meter.Pipe interrupts reads
	intrOnce sync.Once
}

var (
	_ meter.HalfCloser      = (*side)(nil)
	_ meter.ReadInterrupter = (*side)(nil)
)

// rwc is what both ends of a tunnel are: the buyer's stream and the
// destination connection.
type rwc interface {
	io.Reader
	io.Writer
}

func (e *Exit) newSide(t *tunnel, c rwc, closeWrite func() error, readDeadline func(time.Time) error) *side {
	return &side{
		e: e, t: t, r: c, w: c,
		closeWrite: closeWrite, readDeadline: readDeadline,
		stop: t.doneChan(), intr: make(chan struct{}),
	}
}

// SetReadDeadline lets meter.Pipe end this side's reads when the other
// direction fails, so a vanished buyer does not leave an idle destination
// connection open (and the reverse). A deadline already past also ends a
// wait for the rate.
func (s *side) SetReadDeadline(t time.Time) error {
	if !t.IsZero() && !t.After(time.Now()) {
		s.intrOnce.Do(func() { close(s.intr) })
	}
	return s.readDeadline(t)
}

// Read waits until the lease and the node may carry more, then reads at
// most what they granted.
func (s *side) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return s.r.Read(p)
	}
	g, err := s.e.acquire(s.t.budget, len(p), s.stop, s.intr)
	if err != nil {
		return 0, os.ErrDeadlineExceeded
	}
	n, err := s.r.Read(p[:g.n])
	s.e.release(g, n)
	return n, err
}

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
