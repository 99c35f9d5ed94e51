package quicexit

import (
	"context"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"go.uber.org/zap"

	"github.com/sparelink/sparelink/metering/meter"
)

// noErrorCode ends the receive side of a flow's stream after a clean end.
const noErrorCode = quic.StreamErrorCode(http3.ErrCodeNoError)

// udpFlow relays datagrams between one CONNECT-UDP stream and its
// connected UDP socket. Three goroutines serve it: the request's own
// handler reads the stream (capsules, and its end), one goroutine carries
// buyer datagrams to the destination and one the destination's datagrams
// back. Whichever ends first calls stop, which ends the other two.
type udpFlow struct {
	e       *Exit
	t       *tunnel
	str     *http3.Stream
	counter *meter.Counter
	idle    time.Duration
	ctx     context.Context // ends with stop
	done    <-chan struct{} // closed when the tunnel is aborted
	stop    func()

	last     atomic.Int64 // Unix nanoseconds of the last datagram either way
	up, down atomic.Int64 // payload bytes relayed, for the log line
	capped   atomic.Bool  // the lease's byte cap ended the flow
	idled    atomic.Bool  // the idle timeout ended the flow
}

// runUDP relays datagrams for t over str until the buyer ends the stream,
// the flow idles out, the destination socket fails, the lease's byte cap
// is used up or the tunnel is aborted.
func (e *Exit) runUDP(t *tunnel, str *http3.Stream) {
	if !t.attach(str) {
		t.abort()
		return
	}
	counter := e.cfg.Meter.Lease(t.lease)
	if e.unmetered {
		counter, t.limit = new(meter.Counter), 0
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &udpFlow{e: e, t: t, str: str, counter: counter, idle: e.udpIdleTimeout(), ctx: ctx, done: t.doneChan()}
	f.stop = sync.OnceFunc(func() {
		cancel()
		_ = t.dest.Close()
		str.CancelRead(noErrorCode)
	})
	f.touch()
	var wg sync.WaitGroup
	wg.Go(f.toDest)
	wg.Go(f.toBuyer)
	f.drain()
	f.stop()
	wg.Wait()
	_ = str.Close()
	fields := []zap.Field{zap.String("lease", t.lease), zap.Int64("up", f.up.Load()), zap.Int64("down", f.down.Load())}
	switch {
	case f.capped.Load():
		e.log.Info("udp flow closed at byte cap", fields...)
	default:
		e.log.Debug("udp flow ended", append(fields, zap.Bool("idle", f.idled.Load()))...)
	}
}

// drain reads the stream until it ends. Capsules are skipped: this exit
// carries UDP only in QUIC datagrams, and RFC 9297 §3.2 has unknown
// capsules ignored.
func (f *udpFlow) drain() {
	p := http3.NewCapsuleParser(f.str)
	for {
		_, r, err := p.Next()
		if err != nil {
			return
		}
		if err := r.Discard(); err != nil {
			return
		}
	}
}

// toDest sends the buyer's datagrams to the destination. A datagram the
// socket cannot take at once is dropped rather than queued.
func (f *udpFlow) toDest() {
	defer f.stop()
	for {
		d, err := f.str.ReceiveDatagram(f.ctx)
		if err != nil {
			return
		}
		f.touch()
		p, ok := udpPayload(d)
		if !ok || len(p) > maxUDPPayload {
			continue
		}
		g, ok := f.admit(len(p))
		if !ok {
			return
		}
		sent, err := sendNow(f.t.dest, p)
		f.settle(g, len(p), sent)
		if err != nil {
			return
		}
		if sent {
			f.counter.AddUp(int64(len(p)))
			f.up.Add(int64(len(p)))
		}
	}
}

// toBuyer sends the destination's datagrams to the buyer, and watches the
// idle timeout through the socket's read deadline, which it moves only
// when it fires.
func (f *udpFlow) toBuyer() {
	defer f.stop()
	// buf[0] stays 0, the context ID of UDP payloads; one byte past the
	// bound tells an oversized datagram from one that fits exactly.
	buf := make([]byte, 1+maxUDPPayload+1)
	_ = f.t.dest.SetReadDeadline(f.lastTime().Add(f.idle))
	for {
		n, err := f.t.dest.Read(buf[1:])
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			if time.Since(f.lastTime()) >= f.idle {
				f.idled.Store(true)
				return
			}
			_ = f.t.dest.SetReadDeadline(f.lastTime().Add(f.idle))
			continue
		case errors.Is(err, syscall.ECONNREFUSED):
			continue // an ICMP error for an earlier datagram, not the end
		case err != nil:
			return
		}
		f.touch()
		if n > maxUDPPayload {
			continue
		}
		if !f.forward(buf[:1+n]) {
			return
		}
	}
}

// forward sends one datagram (context ID and payload) to the buyer. It
// reports false when the flow must end; a datagram too large for the
// path is dropped.
func (f *udpFlow) forward(d []byte) bool {
	n := len(d) - 1
	g, ok := f.admit(n)
	if !ok {
		return false
	}
	err := f.str.SendDatagram(d)
	f.settle(g, n, err == nil)
	switch {
	case err == nil:
		f.counter.AddDown(int64(n))
		f.down.Add(int64(n))
	case !errors.Is(err, &quic.DatagramTooLargeError{}):
		return false
	}
	return true
}
