package wgexit

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
)

// copyBufSize is the largest piece one read of a flow moves: room for
// any UDP datagram.
const copyBufSize = 64 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}

// errCapped ends a flow whose lease reached its byte cap.
var errCapped = errors.New("lease byte cap reached")

// flow is one TCP connection or UDP flow: the buyer's side in the gVisor
// stack and the destination's socket. Closing it closes both.
type flow struct {
	lease  *lease
	src    netip.Addr // the buyer's tunnel address
	ctx    context.Context
	cancel context.CancelFunc
	once   sync.Once
	conns  []io.Closer
	mu     sync.Mutex
}

// newFlow makes a flow of l from src; its context ends with the lease's.
func newFlow(l *lease, src netip.Addr) *flow {
	f := &flow{lease: l, src: src}
	f.ctx, f.cancel = context.WithCancel(l.ctx)
	return f
}

// attach adds c to what close closes; a flow closed already closes c.
func (f *flow) attach(c io.Closer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ctx.Err() != nil {
		_ = c.Close()
		return
	}
	f.conns = append(f.conns, c)
}

// close ends the flow: it cancels waits and closes both sockets.
func (f *flow) close() {
	f.once.Do(func() {
		f.mu.Lock()
		f.cancel()
		conns := f.conns
		f.mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
}

// direction says which way a copy moves bytes, from the buyer's view.
type direction bool

const (
	up   direction = true  // buyer to destination
	down direction = false // destination to buyer
)

// forward writes p to dst on behalf of the flow's lease: it reserves p
// against the byte cap, waits for the lease's rate, writes, and counts
// what was written on the meter. It returns errCapped, after writing what
// the cap still allowed, when the cap is reached.
func (e *Exit) forward(f *flow, dst io.Writer, p []byte, dir direction) error {
	l := f.lease
	granted := l.take(len(p))
	capped := granted < len(p)
	p = p[:granted]
	if len(p) > 0 {
		if err := l.wait(f.ctx, len(p)); err != nil {
			return err
		}
		if err := e.rate.wait(f.ctx, len(p)); err != nil {
			return err
		}
		n, err := dst.Write(p)
		if dir == up {
			l.counter.AddUp(int64(n))
		} else {
			l.counter.AddDown(int64(n))
		}
		if err != nil {
			return err
		}
	}
	if capped || l.exhausted() {
		e.capReached(l)
		return errCapped
	}
	return nil
}

// copyStream moves a byte stream from src to dst through forward until
// src ends. A clean end of src returns nil.
func (e *Exit) copyStream(f *flow, dst io.Writer, src io.Reader, dir direction) error {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if werr := e.forward(f, dst, buf[:n], dir); werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// pipeTCP relays the buyer's connection in and the destination out until
// both directions end, passing half-closes through.
func (e *Exit) pipeTCP(f *flow, in, out net.Conn) {
	var wg sync.WaitGroup
	relay := func(dst, src net.Conn, dir direction) {
		defer wg.Done()
		if err := e.copyStream(f, dst, src, dir); err != nil {
			f.close()
			return
		}
		if cw, ok := dst.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		}
	}
	wg.Add(2)
	go relay(out, in, up)
	go relay(in, out, down)
	wg.Wait()
	f.close()
}
